from django.apps import AppConfig


class LeadmagnetsConfig(AppConfig):
    """Lead-magnet pages and the delivery of their resources, on newsletter's sign-up service."""

    name = "leadmagnets"
    verbose_name = "Lead magnets"

    def ready(self):
        # App loading: the modules connect their signal receivers once the models are ready.
        from . import delivery, privacy  # noqa: F401, PLC0415
