from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    """Site-wide pages (home, contact, standard pages), settings and templates."""

    name = "website"
    label = "website"
    verbose_name = "Website"

    def ready(self):
        # App loading: both modules connect receivers and register checks on ready models.
        from . import checks, page_cache  # noqa: F401, PLC0415

        # Content changes empty the page cache in every process, the worker's included.
        page_cache.connect_signals()
