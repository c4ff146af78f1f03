"""The newsletter app: its name, and the receivers it connects once the app registry is ready."""

from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    """Contacts, consent records, the Mailchimp outbox, unsubscribe and preferences."""

    name = "newsletter"
    verbose_name = "Newsletter"

    def ready(self):
        # Connects the outbox's wake-up receivers (app loading).
        from . import tasks  # noqa: F401, PLC0415
