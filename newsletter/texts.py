"""The fixed wordings that are stored as consent text, or shown as one, word for word.

A consent record keeps the exact words next to the checkbox (GDPR Art. 7(1)), and a
withdrawal the words describing it (Art. 7(3)); their SHA-256 is stored with them. Changing
a string here changes what later records say, never what earlier ones said. Editors write
the sign-up forms' own texts (in the blocks and lead-magnet pages); these are the site's.

Imports nothing from the app, so every module can name these.
"""

# The purpose the newsletter itself is recorded and synced under; the others are
# leadmagnet:<slug> and topic:<slug>.
NEWSLETTER = "newsletter"

# The words next to the preference centre's newsletter switch, stored with each change.
NEWSLETTER_TEXT = (
    "Send me the newsletter by e-mail. I can switch it off here or with the link in every mail."
)

# The words a returning person agrees to when no earlier consent of theirs is on record.
DEFAULT_CONSENT_TEXTS = {
    NEWSLETTER: "Send me the newsletter by e-mail. I can unsubscribe with the link in every mail."
}

# The withdrawal recorded when someone leaves with the link in a mail (or its one-click
# List-Unsubscribe button).
UNSUBSCRIBED_WITH_LINK = "Unsubscribed with the link in a mail."

# Withdrawals that happened in Mailchimp, by the member's status there ("gone": the API no
# longer has the member).
WITHDRAWAL_TEXTS = {
    "unsubscribed": "Unsubscribed in Mailchimp.",
    "archived": "Archived (deleted from the audience) in Mailchimp.",
    "gone": "Deleted from the audience in Mailchimp (the API no longer has the member).",
}

# A subscription that Mailchimp's own opt-in confirmed: the site never showed the words.
SUBSCRIBED_IN_MAILCHIMP = (
    "Subscribed through Mailchimp (one of its sign-up forms or the audience's admin); "
    "Mailchimp holds the wording that was shown."
)


def topic_text(topic) -> str:
    """The words next to a topic's checkbox, stored word for word with each change."""
    return f"{topic.name}: {topic.description}" if topic.description else topic.name
