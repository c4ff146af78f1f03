from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    """Contacts, consent records, the Mailchimp outbox, unsubscribe and preferences."""

    name = "newsletter"
    verbose_name = "Newsletter"
