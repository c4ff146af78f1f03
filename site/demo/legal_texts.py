"""Legal texts of the demo site: original demo content for the fictional illustrator Ilka Sommer.

Written for this project as an example of structure and tone; not legal advice. Bodies are
lists of (block type, value) pairs for `legal.blocks.PolicyBodyBlock`.
"""

CONTACT_RIGHTS = (
    "contact_rights",
    {
        "controller": "Ilka Sommer\nBeispielweg 7\n04109 Leipzig, Germany",
        "email": "privacy@ilka-sommer.example",
        "dpo": "",
        "authority_name": "Sächsische Datenschutz- und Transparenzbeauftragte",
        "authority_url": "https://www.datenschutz.sachsen.de/",
    },
)

_INTRO = [
    ("table_of_contents", {"title": "Contents"}),
    ("heading", {"text": "Who is responsible", "anchor": "controller"}),
    (
        "paragraph",
        "<p>This site belongs to Ilka Sommer, an illustrator working on her own in Leipzig. "
        "She decides what happens with personal data collected here and answers every "
        "question about it herself. You find her full contact details at the end of this "
        'page and in the <a href="/impressum/">impressum</a>.</p>'
        "<p>This policy explains, section by section, what is collected when you use the "
        "site, why, on which legal basis, who else receives it and when it is deleted.</p>",
    ),
]


def _hosting(log_days: int):
    return [
        ("heading", {"text": "Hosting and server logs", "anchor": "hosting"}),
        (
            "paragraph",
            "<p>The site runs on servers of Elbhost GmbH in Dresden, Germany, which processes "
            "data only on Ilka's instructions under a data processing agreement (GDPR Art. "
            "28).</p><p>When your browser requests a page, the server notes the time, the "
            "address requested, the HTTP status, the browser identification and your IP "
            "address. These entries help to keep the site running and to find attacks. The "
            "legal basis is the legitimate interest in a secure site (GDPR Art. 6(1)(f)). Log "
            f"entries are deleted after {log_days} days, unless one is needed to investigate a "
            "specific attack.</p>",
        ),
    ]


_CONTACT_FORM = [
    ("heading", {"text": "Contact form and e-mail", "anchor": "contact"}),
    (
        "paragraph",
        "<p>If you write through the contact form or by e-mail, your name, address and "
        "message are stored on this site's server so Ilka can answer. For enquiries about "
        "a commission the legal basis is the preparation of a contract (GDPR Art. 6(1)(b)); "
        "for everything else it is the legitimate interest in answering messages (Art. "
        "6(1)(f)). Messages are deleted six months after the matter is closed, unless tax "
        "law requires keeping them longer (Art. 6(1)(c)).</p>",
    ),
]

_COOKIES_AND_TRACKING = [
    ("heading", {"text": "Cookies and your consent", "anchor": "cookies"}),
    (
        "paragraph",
        "<p>Storing or reading information on your device needs your consent unless it is "
        "strictly necessary for a service you asked for (§ 25 TDDDG). Necessary cookies "
        "protect forms and remember your cookie choice. Everything else, statistics and "
        "marketing, stays switched off until you allow its category in the cookie "
        "dialog.</p><p>Which cookies exist, how long they last and how to change your "
        'choice is listed in the <a href="/cookies/">cookie policy</a>. A pseudonymous '
        "record of your choice is kept as proof, without your IP address.</p>",
    ),
    ("heading", {"text": "Spam protection with reCAPTCHA", "anchor": "recaptcha"}),
    (
        "paragraph",
        "<p>Forms are protected by Google reCAPTCHA, which checks whether a person or a "
        "program is filling them in. Its script is only loaded once you start typing into a "
        "form, and it sends information about your device and behaviour on the page to "
        "Google. The legal basis is your consent (GDPR Art. 6(1)(a)), which you give by "
        "using a form; without reCAPTCHA keys configured, a simple honeypot check is used "
        "instead and nothing reaches Google.</p>",
    ),
    ("heading", {"text": "Statistics and marketing", "anchor": "analytics"}),
    (
        "paragraph",
        "<p>Only if you accept the category <b>Statistics</b>, Google Analytics 4 counts "
        "visits and shows which pages are read. Only if you accept <b>Marketing</b>, Google "
        "Tag Manager and the Meta Pixel measure whether ads for the guide and the letter "
        "work. The legal basis is your consent (GDPR Art. 6(1)(a) with § 25 TDDDG). You can "
        "withdraw it at any time with the <i>Cookie settings</i> link in the footer of every "
        "page; the cookies of that category are then deleted.</p>",
    ),
]

_SERVICES = [
    ("heading", {"text": "Services that receive data", "anchor": "services"}),
    (
        "services",
        {
            "intro": "<p>These providers receive personal data from this site. The list is "
            "kept in one place, so it is always complete.</p>"
        },
    ),
]

_TRANSFERS_RETENTION = [
    ("heading", {"text": "Transfers outside the EU", "anchor": "transfers"}),
    (
        "paragraph",
        "<p>Google, Meta and Mailchimp may process data in the USA. Transfers rely on the "
        "EU-US Data Privacy Framework adequacy decision (GDPR Art. 45) for certified "
        "companies and on the EU standard contractual clauses (Art. 46(2)(c)). You can ask "
        "for a copy of the clauses at the address below.</p>",
    ),
    ("heading", {"text": "How long data is kept", "anchor": "retention"}),
    (
        "paragraph",
        "<p>Data is deleted as soon as its purpose is fulfilled, at the latest after the "
        "periods named in each section. Invoices and business letters are kept for the "
        "periods that tax and commercial law require (six to ten years).</p>",
    ),
]

_RIGHTS_AND_CHANGES = [
    ("heading", {"text": "Your rights", "anchor": "rights"}),
    CONTACT_RIGHTS,
    ("heading", {"text": "Changes to this policy", "anchor": "changes"}),
    (
        "paragraph",
        "<p>When this policy changes in a way that matters, for example a new purpose or a "
        "new recipient, the change is announced on this page before it takes effect. Every "
        "published version stays available, unchanged, in the <a "
        'href="/privacy/versions/">version archive</a>, where you can also compare two '
        "versions.</p>",
    ),
]

PRIVACY_V1 = [
    *_INTRO,
    *_hosting(log_days=7),
    *_CONTACT_FORM,
    *_COOKIES_AND_TRACKING,
    *_SERVICES,
    *_TRANSFERS_RETENTION,
    *_RIGHTS_AND_CHANGES,
]

_NEWSLETTER = [
    ("heading", {"text": "Newsletter “Margin Notes”", "anchor": "newsletter"}),
    (
        "paragraph",
        "<p>If you sign up for the letter, your e-mail address and first name are stored "
        "together with proof of your consent: the time, the exact wording of the checkbox "
        "you ticked and the version of this policy in force. Your full IP address is not "
        "stored. The site then sends you one mail with a confirmation link; only after you "
        "click it are you added to the list (double opt-in). Unconfirmed sign-ups are "
        "deleted after 30 days.</p><p>The letter is sent with Mailchimp (The Rocket "
        "Science Group LLC d/b/a Mailchimp, Atlanta, USA) as a processor. Opens and clicks "
        "are measured only if you agreed to it. The legal basis is your consent (GDPR Art. "
        "6(1)(a)). Every mail contains a link that unsubscribes you in one click; your "
        "address is then removed from the list.</p>",
    ),
    ("heading", {"text": "Free starter guide", "anchor": "starter-guide"}),
    (
        "paragraph",
        "<p>To receive the free guide you leave your e-mail address and first name and "
        "confirm them through the link in the mail that follows. The download link you then "
        "receive expires after 7 days. Whether you also want the letter is a separate "
        "choice with its own checkbox.</p>",
    ),
]

PRIVACY_V2 = [
    *_INTRO,
    *_hosting(log_days=3),
    *_CONTACT_FORM,
    *_NEWSLETTER,
    *_COOKIES_AND_TRACKING,
    *_SERVICES,
    *_TRANSFERS_RETENTION,
    *_RIGHTS_AND_CHANGES,
]

PRIVACY_V2_SUMMARY = (
    "New sections on the newsletter and the free starter guide, sent with Mailchimp after "
    "double opt-in; server logs are now deleted after 3 days instead of 7."
)

COOKIE_POLICY = [
    ("table_of_contents", {"title": "Contents"}),
    ("heading", {"text": "What this page covers", "anchor": "scope"}),
    (
        "paragraph",
        "<p>Cookies are small files a site stores in your browser; local storage works "
        "similarly. This page lists every one this site may set, grouped into categories, "
        "and explains how you decide which of them are allowed.</p>",
    ),
    ("heading", {"text": "Categories", "anchor": "categories"}),
    (
        "paragraph",
        "<ul><li><b>Necessary</b>: protect forms and remember your choice. Always on, "
        "because the site cannot work safely without them.</li><li><b>Preferences</b>: "
        "remember settings such as a chosen layout.</li><li><b>Statistics</b>: count visits "
        "so the creator knows which pages help readers.</li><li><b>Marketing</b>: measure "
        "ads and show relevant ones on other sites.</li></ul>",
    ),
    ("heading", {"text": "Nothing optional before you decide", "anchor": "before-consent"}),
    (
        "paragraph",
        "<p>Scripts, pixels and embedded content of optional categories are not even "
        "requested before you agree to their category. “Reject all” is exactly as easy as "
        "“Accept all”, and the site works fully either way.</p><p>If your browser sends the "
        "Global Privacy Control signal, marketing stays off without a question. You can "
        "still switch it on yourself in the settings.</p>",
    ),
    ("heading", {"text": "Changing or withdrawing your choice", "anchor": "withdraw"}),
    (
        "paragraph",
        "<p>The <i>Cookie settings</i> link in the footer of every page reopens the dialog. "
        "Switching a category off deletes its cookies and stored data and reloads the page "
        "so its scripts stop. Your choice is asked again after 12 months if you accepted, "
        "after 6 months if you rejected, and whenever a category gains a new cookie or this "
        "site's privacy policy changes materially.</p>",
    ),
    ("heading", {"text": "Proof of your choice", "anchor": "proof"}),
    (
        "paragraph",
        "<p>Each decision is stored with a random consent ID kept in your consent cookie, "
        "the time, the choice per category, the version of the policies in force and a "
        "fingerprint of the banner text shown. No IP address is stored with it.</p>",
    ),
    ("heading", {"text": "Cookie declaration", "anchor": "declaration"}),
    (
        "cookie_declaration",
        {"intro": "<p>This table is generated from the same registry the cookie dialog uses.</p>"},
    ),
]

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

SERVICES = [
    {
        "name": "Mailchimp",
        "provider": "The Rocket Science Group LLC d/b/a Mailchimp, Atlanta, USA",
        "purpose": "Sending the newsletter and the starter guide to confirmed subscribers.",
        "data_categories": "E-mail address, first name, sign-up source, consent proof, "
        "opens and clicks (only with consent)",
        "legal_basis": "a",
        "location": "USA",
        "transfer_safeguard": "adequacy_sccs",
        "retention": "Until you unsubscribe; then deleted from the audience.",
        "privacy_policy_url": "https://www.intuit.com/privacy/statement/",
    },
    {
        "name": "Google reCAPTCHA",
        "provider": "Google Ireland Limited, Dublin, Ireland",
        "purpose": "Telling people from spam bots on forms; loaded only once you start filling "
        "in a form.",
        "data_categories": "IP address, device and browser data, interaction with the page",
        "legal_basis": "a",
        "location": "EU (Ireland); transfers to the USA possible",
        "transfer_safeguard": "adequacy_sccs",
        "retention": "Set by Google; not stored by this site.",
        "privacy_policy_url": "https://policies.google.com/privacy",
    },
    {
        "name": "Google Analytics 4",
        "provider": "Google Ireland Limited, Dublin, Ireland",
        "purpose": "Counting visits and seeing which pages are read (category Statistics).",
        "data_categories": "Shortened IP address, device data, pages viewed, pseudonymous ID",
        "legal_basis": "a",
        "location": "EU (Ireland); transfers to the USA possible",
        "transfer_safeguard": "adequacy_sccs",
        "retention": "14 months",
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
        "purpose": "Loading the marketing tags configured by the site owner (category Marketing).",
        "data_categories": "IP address, device data",
        "legal_basis": "a",
        "location": "EU (Ireland); transfers to the USA possible",
        "transfer_safeguard": "adequacy_sccs",
        "retention": "Not stored by Tag Manager itself; see the tags it loads.",
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
        "purpose": "Measuring ads for the guide and the letter on Facebook and Instagram "
        "(category Marketing).",
        "data_categories": "IP address, device data, pages viewed, pseudonymous browser ID",
        "legal_basis": "a",
        "location": "EU (Ireland); transfers to the USA possible",
        "transfer_safeguard": "adequacy_sccs",
        "retention": "Up to 2 years at Meta",
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
