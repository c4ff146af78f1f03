"""Legal texts of the demo site: original demo content for the fictional illustrator Ilka Sommer.

Written fresh for this project to show structure and tone; they are not legal advice and must
be checked by a lawyer before anyone adapts them for a real site. Policy bodies are lists of
(block type, value) pairs for `legal.blocks.PolicyBodyBlock`.
"""

# --- Privacy policy: sections shared by versions 1.0 and 2.0 ---------------------------------

_RESPONSIBLE = [
    ("table_of_contents", {"title": "Contents"}),
    ("heading", {"text": "Who is responsible for your data", "anchor": ""}),
    (
        "paragraph",
        "<p>This website belongs to Ilka Sommer, an illustrator who works on her own in "
        "Leipzig, Germany. Under the General Data Protection Regulation (GDPR) she is the "
        "controller: she decides why and how personal data is used on this site, and she "
        "answers your questions about it herself.</p>"
        "<p>You can reach her by post at Beispielweg 7, 04109 Leipzig, Germany, by e-mail at "
        '<a href="mailto:privacy@ilka-sommer.example">privacy@ilka-sommer.example</a> or by '
        "phone on +49 341 555 0142. As a one-person business without employees she has not "
        "appointed a data protection officer.</p>"
        "<p>This page gives you the information required by Art. 13 GDPR: what data the site "
        "collects, why, on which legal basis, who else receives it and when it is deleted. "
        "Where a section names Ilka's legitimate interests as the legal basis, you may object "
        "to that use at any time for reasons arising from your situation (Art. 21 GDPR).</p>",
    ),
]

_HOSTING_HTML = (
    "<p>The site is hosted by Elbhost GmbH, Dresden, Germany, on servers in Germany. Elbhost "
    "processes data only on Ilka's behalf and on her instructions, under a data processing "
    "agreement (Art. 28 GDPR).</p>"
    "<p>Whenever your browser requests a page or file, the server writes a log entry with your "
    "IP address, the date and time, the address requested, the page you came from, the status "
    "code, the amount of data sent and the browser and operating system your browser reports. "
    "These entries are needed to deliver the site, to find errors and to detect and fend off "
    "attacks. The legal basis is Ilka's legitimate interest in a site that works reliably and "
    "securely (Art. 6(1)(f) GDPR).</p>"
)

_CONTACT_FORM = [
    ("heading", {"text": "Contact form and e-mail", "anchor": ""}),
    (
        "paragraph",
        "<p>When you write through the contact form, the site stores your name, your e-mail "
        "address, your message and the time it was sent. Submissions are kept in the site's "
        "own database on the server described above, and Ilka is notified so that she can "
        "reply. The same applies if you write to her by e-mail directly.</p>"
        "<p>Your details are used only to deal with your message. If you ask about a "
        "commission, a print or another order, the legal basis is taking steps towards a "
        "contract at your request (Art. 6(1)(b) GDPR). For all other messages it is Ilka's "
        "legitimate interest in answering the people who write to her (Art. 6(1)(f) GDPR). "
        "Required fields are needed to reply; everything else is optional.</p>"
        "<p>Messages are deleted six months after the matter is closed. If a message becomes "
        "part of an order, it is kept for as long as German commercial and tax law requires, "
        "usually six or ten years (Art. 6(1)(c) GDPR with § 257 HGB and § 147 AO).</p>",
    ),
]

_COOKIES = [
    ("heading", {"text": "Cookies and the consent manager", "anchor": ""}),
    (
        "paragraph",
        "<p>Storing information on your device, or reading information already stored there, "
        "requires your consent unless it is strictly necessary for a service you have asked "
        "for (§ 25 TDDDG). This covers cookies as well as similar techniques such as local "
        "storage and tracking pixels.</p>"
        "<p>Without asking, the site sets only strictly necessary cookies: one protects forms "
        "against forged requests, two remember your choice in the cookie banner. Everything in "
        "the categories preferences, statistics and marketing stays off until you allow that "
        "category. “Reject all” sits on the first layer of the banner, right next to “Accept "
        "all”.</p>"
        "<p>The consent manager is part of this site itself; no outside provider is involved. "
        "So that your choice can be proven, the site keeps a record of it with a random ID, "
        "the time, your choice per category and the policy versions in force, but without "
        "your IP address. The record is kept for three years (Art. 6(1)(c) with Art. 7(1) "
        "GDPR). Each cookie, its lifetime and how to change your choice are described in the "
        '<a href="/cookies/">cookie policy</a>.</p>',
    ),
]

_RECAPTCHA = [
    ("heading", {"text": "Spam protection with Google reCAPTCHA", "anchor": ""}),
    (
        "paragraph",
        "<p>Forms on this site are protected against automated spam with reCAPTCHA, a service "
        "of Google Ireland Limited, Dublin, Ireland. reCAPTCHA is not loaded when a page "
        "opens. Only when you start filling in a protected form does your browser fetch the "
        "reCAPTCHA script from Google. It then estimates whether a person or a program is "
        "using the form and, for this, sends Google your IP address, details of your browser "
        "and device and how you interact with the page. Google may also read or set its own "
        "cookies.</p>"
        "<p>The legal basis is your consent (Art. 6(1)(a) GDPR and § 25(1) TDDDG). If you do "
        "not want Google to receive this data, please do not use the form and write to "
        '<a href="mailto:hello@ilka-sommer.example">hello@ilka-sommer.example</a> instead. '
        "Google may process the data in the USA; see the section on transfers below.</p>",
    ),
]

_ANALYTICS = [
    ("heading", {"text": "Statistics and marketing, only with your consent", "anchor": ""}),
    (
        "paragraph",
        "<p>The following services run only if you have allowed their category in the cookie "
        "banner. Until then, their scripts are not even loaded.</p>"
        "<ul><li><b>Google Analytics 4</b> (statistics) shows how many people visit, which "
        "pages they read and on which kind of device. It uses a pseudonymous ID stored in a "
        "cookie. Analytics data is kept at Google for 14 months.</li>"
        "<li><b>Google Tag Manager</b> (marketing) loads the marketing tags Ilka has set up. "
        "It analyses nothing itself, but loading it gives Google your IP address.</li>"
        "<li><b>Meta Pixel</b> (marketing) shows Ilka whether her adverts on Instagram and "
        "Facebook bring people to this site, and lets her show those adverts to earlier "
        "visitors. Meta can link this to your account if you have one. Ilka and Meta are "
        "jointly responsible for collecting the data here and passing it to Meta (Art. 26 "
        "GDPR); Meta alone is responsible for what it does with the data afterwards.</li>"
        "</ul>"
        "<p>The providers are Google Ireland Limited and Meta Platforms Ireland Limited, both "
        "in Dublin, Ireland. The legal basis is your consent (Art. 6(1)(a) GDPR and § 25(1) "
        "TDDDG). You can withdraw it at any time, as easily as you gave it, with the "
        "<i>Cookie settings</i> link in the footer of every page (Art. 7(3) GDPR). Withdrawal "
        "does not affect the lawfulness of what happened before.</p>",
    ),
]

_RECIPIENTS = [
    ("heading", {"text": "Who receives your data", "anchor": ""}),
    (
        "paragraph",
        "<p>Ilka does not sell personal data. It reaches others only where the purposes on "
        "this page require it: the hosting company Elbhost GmbH as a processor, the services "
        "listed below and, if an enquiry leads to an order, her tax adviser and the tax "
        "office as far as the law requires.</p>",
    ),
    (
        "services",
        {
            "intro": "<p>This list shows, for each service, the provider, the purpose, the data "
            "it receives, the legal basis, where the data is processed and how long it is "
            "kept.</p>"
        },
    ),
]

_TRANSFERS_SAFEGUARDS_HTML = (
    "the EU-US Data Privacy Framework, for which the European Commission has adopted an "
    "adequacy decision (Art. 45 GDPR). In addition, the transfers are covered by the EU "
    "standard contractual clauses (Art. 46(2)(c) GDPR), so a safeguard remains in place even "
    "if the adequacy decision were set aside. You can ask for a copy of these safeguards at "
    '<a href="mailto:privacy@ilka-sommer.example">privacy@ilka-sommer.example</a>.</p>'
)

_RETENTION_INTRO_HTML = (
    "<p>Data is deleted as soon as it is no longer needed for its purpose, unless the law "
    "requires it to be kept longer. In summary:</p>"
)

_RETENTION_COMMON_HTML = (
    "<li>Contact messages: six months after the matter is closed.</li>"
    "<li>Records of your cookie choice: three years.</li>"
    "<li>Your cookie choice itself: asked again after 12 months if you accepted, after 6 "
    "months if you rejected; each cookie's lifetime is in the cookie policy.</li>"
    "<li>Orders, invoices and business letters: six or ten years, as German commercial and "
    "tax law requires.</li>"
    "<li>Data at the services above: as stated in the list of services.</li>"
)

_RIGHTS_AND_CHANGES = [
    ("heading", {"text": "Your rights", "anchor": ""}),
    (
        "paragraph",
        "<p>You have the rights listed below. Using them is free of charge, and Ilka answers "
        "within one month (Art. 12(3) GDPR).</p>",
    ),
    (
        "contact_rights",
        {
            "controller": "Ilka Sommer, Beispielweg 7, 04109 Leipzig, Germany",
            "email": "privacy@ilka-sommer.example",
            "dpo": "",
            "authority_name": "Sächsische Datenschutz- und Transparenzbeauftragte",
            "authority_url": "https://www.datenschutz.sachsen.de/",
        },
    ),
    ("heading", {"text": "Changes to this policy", "anchor": ""}),
    (
        "paragraph",
        "<p>This policy is updated when the site or the law changes. Material changes, such "
        "as a new purpose, a new service or a longer retention period, are announced on this "
        "page before they take effect, and where a change needs your consent you will be "
        "asked again. Each version states its number and the date from which it applies. "
        "Every earlier version stays available, unchanged, in the "
        '<a href="/privacy/versions/">archive of previous versions</a>.</p>',
    ),
]

# --- Privacy policy, version 1.0 (effective 9 months before the demo is loaded) ---------------

_HOSTING_V1 = [
    ("heading", {"text": "Hosting and server logs", "anchor": ""}),
    (
        "paragraph",
        _HOSTING_HTML + "<p>Log entries, including the IP address, are deleted automatically "
        "after 7 days at the latest.</p>",
    ),
]

_TRANSFERS_V1 = [
    ("heading", {"text": "Transfers to countries outside the EU", "anchor": ""}),
    (
        "paragraph",
        "<p>Google and Meta may process data in the USA, where European data protection law "
        "does not apply directly. The US companies involved, Google LLC and Meta Platforms, "
        "Inc., are certified under " + _TRANSFERS_SAFEGUARDS_HTML,
    ),
]

_RETENTION_V1 = [
    ("heading", {"text": "How long data is kept", "anchor": ""}),
    (
        "paragraph",
        _RETENTION_INTRO_HTML
        + "<ul><li>Server log entries: 7 days.</li>"
        + _RETENTION_COMMON_HTML
        + "</ul>",
    ),
]

PRIVACY_V1 = (
    _RESPONSIBLE
    + _HOSTING_V1
    + _CONTACT_FORM
    + _COOKIES
    + _RECAPTCHA
    + _ANALYTICS
    + _RECIPIENTS
    + _TRANSFERS_V1
    + _RETENTION_V1
    + _RIGHTS_AND_CHANGES
)

# --- Privacy policy, version 2.0 (material change, effective 3 months before the demo's load)

_HOSTING_V2 = [
    ("heading", {"text": "Hosting and server logs", "anchor": ""}),
    (
        "paragraph",
        _HOSTING_HTML + "<p>Log entries, including the IP address, are deleted automatically "
        "after 3 days at the latest.</p>",
    ),
]

_NEWSLETTER = [
    ("heading", {"text": "Newsletter “Margin Notes”", "anchor": ""}),
    (
        "paragraph",
        "<p>Every second week Ilka sends “Margin Notes”, a short e-mail letter with a page "
        "from her sketchbook, the story behind it and a small drawing exercise. To receive "
        "it, you give your e-mail address and, if you like, your first name so that the "
        "letter can greet you. Any other fields are optional.</p>"
        "<p><b>Double opt-in.</b> After you sign up, this site sends you one e-mail with a "
        "confirmation link. Only when you click it are you added to the mailing list, so "
        "nobody can sign up an address that is not theirs. As proof of your consent, the site "
        "keeps the time, the exact consent text you agreed to, the version of this policy in "
        "force and the page you signed up on; on confirmation it also keeps your browser "
        "identification and a shortened network address. Your full IP address is not stored. "
        "Sign-ups that are not confirmed are deleted after 30 days.</p>"
        "<p><b>Sending with Mailchimp.</b> Confirmed addresses are passed to Mailchimp, a "
        "service of The Rocket Science Group LLC d/b/a Mailchimp, Atlanta, USA, which sends "
        "the letter on Ilka's behalf as a processor under a data processing agreement (Art. "
        "28 GDPR). Mailchimp stores the data in the USA; the safeguards are described in the "
        "section on transfers below. Your entry carries tags that record what you signed up "
        "for, such as “newsletter” or “starter guide”, so you only receive what you asked "
        "for. Mailchimp can record whether a letter was opened and which links were clicked; "
        "Ilka uses this only if you have agreed to it separately.</p>"
        "<p><b>Legal basis and unsubscribing.</b> The legal basis is your consent (Art. "
        "6(1)(a) GDPR). You can withdraw it at any time: every letter contains a link that "
        "unsubscribes you in one click, without logging in or giving a reason, and no further "
        "letters are sent to you. The proof of your consent is kept for up to three years "
        "afterwards, so that Ilka can show that earlier letters were sent lawfully (Art. "
        "6(1)(c) with Art. 7(1) GDPR).</p>",
    ),
    ("heading", {"text": "Free starter guide", "anchor": ""}),
    (
        "paragraph",
        "<p>The starter guide is a free PDF about building a daily drawing habit. To get it, "
        "you enter your e-mail address and, if you like, your first name. The site then "
        "sends you a confirmation e-mail; once you click its link, you receive a personal "
        "download link. The download link expires after 7 days, and you can simply ask for a "
        "new one.</p>"
        "<p>The request goes through the same double opt-in and is recorded with the same "
        "proof as a newsletter sign-up. Your address is stored in Mailchimp with the tag "
        "“starter guide”. Getting the guide does not subscribe you to the newsletter: a "
        "separate, unticked checkbox below the form decides that. The legal basis is your "
        "consent (Art. 6(1)(a) GDPR), which you can withdraw at any time by e-mail to "
        '<a href="mailto:privacy@ilka-sommer.example">privacy@ilka-sommer.example</a> or '
        "with the unsubscribe link in any mail.</p>",
    ),
]

_TRANSFERS_V2 = [
    ("heading", {"text": "Transfers to countries outside the EU", "anchor": ""}),
    (
        "paragraph",
        "<p>Google, Meta and Mailchimp may process data in the USA, where European data "
        "protection law does not apply directly. The US companies involved, Google LLC, Meta "
        "Platforms, Inc. and The Rocket Science Group LLC, are certified under "
        + _TRANSFERS_SAFEGUARDS_HTML,
    ),
]

_RETENTION_V2 = [
    ("heading", {"text": "How long data is kept", "anchor": ""}),
    (
        "paragraph",
        _RETENTION_INTRO_HTML
        + "<ul><li>Server log entries: 3 days.</li>"
        + "<li>Unconfirmed newsletter and guide sign-ups: 30 days.</li>"
        + "<li>Newsletter subscription: until you unsubscribe; the proof of consent for up "
        + "to three years afterwards.</li>"
        + "<li>Download links for the starter guide: valid for 7 days.</li>"
        + _RETENTION_COMMON_HTML
        + "</ul>",
    ),
]

PRIVACY_V2 = (
    _RESPONSIBLE
    + _HOSTING_V2
    + _CONTACT_FORM
    + _NEWSLETTER
    + _COOKIES
    + _RECAPTCHA
    + _ANALYTICS
    + _RECIPIENTS
    + _TRANSFERS_V2
    + _RETENTION_V2
    + _RIGHTS_AND_CHANGES
)

PRIVACY_V2_SUMMARY = (
    "New sections on the newsletter “Margin Notes” and the free starter guide: double opt-in, "
    "sending via Mailchimp (USA) and unsubscribing in one click. Server logs are now deleted "
    "after 3 days instead of 7."
)

# --- Cookie policy, version 1.0 ---------------------------------------------------------------

COOKIE_POLICY = [
    ("table_of_contents", {"title": "Contents"}),
    ("heading", {"text": "About this policy", "anchor": ""}),
    (
        "paragraph",
        "<p>This policy explains which cookies and similar techniques this site uses, what "
        "they are for and how you decide about them. Everything else about personal data is "
        'in the <a href="/privacy/">privacy policy</a>.</p>'
        "<p>Cookies are small text files that a website stores in your browser; local storage "
        "and tracking pixels work in a similar way. A site may store or read such information "
        "only with your consent, unless it is strictly necessary for a service you have asked "
        "for (§ 25 TDDDG).</p>",
    ),
    ("heading", {"text": "The four categories", "anchor": ""}),
    (
        "paragraph",
        "<ul><li><b>Necessary</b>: protect forms against forged requests and remember your "
        "cookie choice. They are always active, because the site cannot work safely without "
        "them, and need no consent.</li>"
        "<li><b>Preferences</b>: remember settings you choose on the site. They are set only "
        "if you allow this category.</li>"
        "<li><b>Statistics</b>: Google Analytics 4 counts visits and shows which pages are "
        "read, so Ilka knows what is useful.</li>"
        "<li><b>Marketing</b>: Google Tag Manager and the Meta Pixel measure whether adverts "
        "work and let Ilka show them to earlier visitors.</li></ul>",
    ),
    ("heading", {"text": "Nothing optional runs before you decide", "anchor": ""}),
    (
        "paragraph",
        "<p>On your first visit only necessary cookies are set. Scripts, pixels and cookies "
        "of the other categories are not loaded, not even in the background, until you allow "
        "their category. The banner offers “Accept all”, “Reject all” and “Settings” side by "
        "side with equal weight, so rejecting takes one click, just like accepting. The site "
        "works fully whichever you choose.</p>"
        "<p>If your browser sends the Global Privacy Control (GPC) signal, the site honours "
        "it as an objection to marketing: even “Accept all” leaves marketing off. Only if you "
        "switch marketing on yourself in the settings does it run.</p>",
    ),
    ("heading", {"text": "Changing or withdrawing your choice", "anchor": ""}),
    (
        "paragraph",
        "<p>You can change your mind at any time with the <i>Cookie settings</i> link in the "
        "footer of every page. It reopens the settings, where you can switch each category on "
        "or off. Withdrawing consent is as easy as giving it (Art. 7(3) GDPR) and does not "
        "affect what happened before. When you switch a category off, the site deletes the "
        "cookies and stored data of that category that it can reach and stops its scripts. "
        "Cookies that Google or Meta keep on their own domains can be deleted in your browser "
        "settings.</p>",
    ),
    ("heading", {"text": "How long your choice lasts", "anchor": ""}),
    (
        "paragraph",
        "<p>If you accepted optional categories, you are asked again after 12 months. If you "
        "rejected them, you are asked again after 6 months, and not before. You are also asked "
        "again when a category you decided on gains a new service or cookie, or when this "
        "policy or the privacy policy changes materially.</p>",
    ),
    ("heading", {"text": "Proof of your choice", "anchor": ""}),
    (
        "paragraph",
        "<p>Consent must be provable (Art. 7(1) GDPR), so the site keeps a record of each "
        "decision: a random consent ID that is also stored in your consent cookie, the time, "
        "your choice per category, whether a GPC signal was sent, and the versions of the "
        "banner text and policies you saw. The record contains neither your IP address nor "
        "your name. It is pseudonymous: only the ID in your own browser links it to you. "
        "Records are deleted after three years (Art. 6(1)(c) GDPR).</p>",
    ),
    ("heading", {"text": "Cookie declaration", "anchor": ""}),
    (
        "cookie_declaration",
        {
            "intro": "<p>The table below lists every cookie this site may set, by category, "
            "with its provider, purpose and lifetime. It is generated from the same list the "
            "cookie banner uses, so the two always match.</p>"
        },
    ),
]

# --- Impressum (§ 5 DDG) ----------------------------------------------------------------------

IMPRESSUM = {
    "provider_name": "Ilka Sommer",
    "legal_form": "sole_trader",
    "representatives": "",
    "street_address": "Beispielweg 7",
    "postal_code": "04109",
    "city": "Leipzig",
    "country": "Germany",
    "email": "hello@ilka-sommer.example",
    "phone": "+49 341 555 0142",
    "register_court": "",
    "register_number": "",
    "vat_id": "DE298765431",
    "business_id": "",
    "supervisory_authority": "",
    "profession_chamber": "",
    "profession_title": "",
    "profession_state": "",
    "profession_rules": "",
    "content_responsible_name": "Ilka Sommer",
    "content_responsible_address": "Beispielweg 7, 04109 Leipzig, Germany",
    "consumer_dispute": "not_willing",
    "consumer_dispute_text": (
        "I am neither willing nor obliged to take part in dispute resolution proceedings "
        "before a consumer arbitration board (§ 36 VSBG)."
    ),
}

# --- Third-party services registry -------------------------------------------------------------
# "consent" is not a model field: load_initial_data pops it and uses it to put the service in
# its consent category with a placeholder tracking id and the cookies it sets
# (name, domain, lifetime, purpose).

SERVICES = [
    {
        "name": "Mailchimp",
        "provider": "The Rocket Science Group LLC d/b/a Mailchimp, Atlanta, USA",
        "purpose": (
            "Sending the newsletter and the starter guide to people who have confirmed their "
            "sign-up. Opens and clicks are measured only with separate consent."
        ),
        "data_categories": (
            "E-mail address, first name, tags, sign-up date, proof of consent, opens and "
            "clicks (only with consent)"
        ),
        "legal_basis": "a",
        "location": "USA",
        "transfer_safeguard": "adequacy_sccs",
        "retention": "Until you unsubscribe or withdraw consent.",
        "privacy_policy_url": "https://www.intuit.com/privacy/statement/",
    },
    {
        "name": "Google reCAPTCHA",
        "provider": "Google Ireland Limited, Dublin, Ireland",
        "purpose": (
            "Telling people from spam programs on forms. Loaded only once you start filling "
            "in a protected form."
        ),
        "data_categories": "IP address, browser and device data, interaction with the page",
        "legal_basis": "a",
        "location": "EU (Ireland); transfers to the USA possible",
        "transfer_safeguard": "adequacy_sccs",
        "retention": "Determined by Google; nothing is stored by this site.",
        "privacy_policy_url": "https://policies.google.com/privacy",
    },
    {
        "name": "Google Analytics 4",
        "provider": "Google Ireland Limited, Dublin, Ireland",
        "purpose": (
            "Counting visits and showing which pages are read and on which devices "
            "(category statistics)."
        ),
        "data_categories": "Pseudonymous ID, pages viewed, device and browser data, rough location",
        "legal_basis": "a",
        "location": "EU (Ireland); transfers to the USA possible",
        "transfer_safeguard": "adequacy_sccs",
        "retention": "Analytics data 14 months; cookies up to 2 years.",
        "privacy_policy_url": "https://policies.google.com/privacy",
        "consent": {
            "category": "statistics",
            "service_type": "ga4",
            "tracking_id": "G-DEMO12345",
            "cookies": [
                ("_ga", "", "2 years", "Tells visits of one browser apart."),
                ("_ga_*", "", "2 years", "Keeps the state of the current visit."),
            ],
            "storage": "",
        },
    },
    {
        "name": "Google Tag Manager",
        "provider": "Google Ireland Limited, Dublin, Ireland",
        "purpose": "Loading the marketing tags set up by the site owner (category marketing).",
        "data_categories": "IP address, browser and device data",
        "legal_basis": "a",
        "location": "EU (Ireland); transfers to the USA possible",
        "transfer_safeguard": "adequacy_sccs",
        "retention": "Stores nothing itself; see the tags it loads.",
        "privacy_policy_url": "https://policies.google.com/privacy",
        "consent": {
            "category": "marketing",
            "service_type": "gtm",
            "tracking_id": "GTM-DEMO123",
            "cookies": [("_gcl_au", "", "3 months", "Links ad clicks to sign-ups.")],
            "storage": "",
        },
    },
    {
        "name": "Meta Pixel",
        "provider": "Meta Platforms Ireland Limited, Dublin, Ireland",
        "purpose": (
            "Measuring whether adverts on Instagram and Facebook bring visitors, and showing "
            "them to earlier visitors (category marketing)."
        ),
        "data_categories": "IP address, pseudonymous browser ID, pages viewed, device data",
        "legal_basis": "a",
        "location": "EU (Ireland); transfers to the USA possible",
        "transfer_safeguard": "adequacy_sccs",
        "retention": "Cookie 3 months; at Meta as set out in its privacy policy.",
        "privacy_policy_url": "https://www.facebook.com/privacy/policy/",
        "consent": {
            "category": "marketing",
            "service_type": "meta_pixel",
            "tracking_id": "100000000000001",
            "cookies": [("_fbp", "", "3 months", "Recognises the browser for ad measurement.")],
            "storage": "",
        },
    },
]
