from django.apps import AppConfig


class WebsiteConfig(AppConfig):
    """Site-wide pages (home, contact, standard pages), settings and templates."""

    name = "website"
    label = "website"
    verbose_name = "Website"
