from django.apps import AppConfig


class LegalConfig(AppConfig):
    """Policy and impressum pages, their published versions, and the cookie consent manager."""

    name = "legal"
    verbose_name = "Legal"

    def ready(self):
        # App loading: the receivers need ready models.
        from cookie_consent.models import CookieGroup  # noqa: PLC0415

        from . import signals  # noqa: F401, PLC0415

        # The admin calls django-cookie-consent's groups "cookie categories", as the menu and
        # the banner do: every title, chooser and message Wagtail builds from the model's
        # verbose name follows. Only the options, not `original_attrs`, so migrations see no
        # change to the package's model.
        CookieGroup._meta.verbose_name = "cookie category"
        CookieGroup._meta.verbose_name_plural = "cookie categories"
