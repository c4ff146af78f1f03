from django.apps import AppConfig


class LegalConfig(AppConfig):
    """Policy and impressum pages, their published versions, and the cookie consent manager."""

    name = "legal"
    verbose_name = "Legal"

    def ready(self):
        # App loading: the receivers need ready models.
        from . import signals  # noqa: F401, PLC0415
