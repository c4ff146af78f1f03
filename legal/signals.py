"""Every publish of a legal page, and every change to a registry a published page renders,
becomes a new PolicyVersion. Connected in LegalConfig.ready()."""

from cookie_consent.models import Cookie, CookieGroup
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published

from .consent import sync_service_cookies
from .hashing import text_hash
from .models import LegalPage, PolicyPage, ServiceCookie, ThirdPartyService
from .versioning import record_version


@receiver(page_published)
def freeze_published_legal_page(sender, instance, revision, **kwargs):
    # Fires for admin publishes, workflow approvals and `publish_scheduled` alike.
    if isinstance(instance, LegalPage):
        record_version(instance, revision)


def record_registry_change(block_type: str, summary: str) -> list:
    """New versions for the live policies whose body renders a registry that just changed.

    The old versions keep their frozen HTML; visitors see the change at once, and the
    archive shows when it happened. Pages whose rendering did not change get no version.
    """
    created = []
    for page in PolicyPage.objects.live().specific():
        if page.live_revision_id is None:
            continue
        if not any(block.block_type == block_type for block in page.body):
            continue
        latest = page.versions.order_by("-pk").first()
        if latest is not None and text_hash(page.render_snapshot()) == latest.sha256:
            continue
        created.append(record_version(page, page.live_revision, registry_change=summary))
    return created


@receiver(post_save, sender=ThirdPartyService)
def service_saved(sender, instance, created, raw=False, **kwargs):
    if not raw:
        verb = "Added" if created else "Updated"
        record_registry_change("services", f"{verb} third-party service: {instance.name}.")


@receiver(post_delete, sender=ThirdPartyService)
def service_deleted(sender, instance, **kwargs):
    record_registry_change("services", f"Removed third-party service: {instance.name}.")


def _cookie_registry_changed(sender, instance, **kwargs):
    if not kwargs.get("raw"):
        record_registry_change("cookie_declaration", f"Updated cookie declaration: {instance}.")


def connect_cookie_registry():
    for model in (Cookie, CookieGroup):
        post_save.connect(_cookie_registry_changed, sender=model, dispatch_uid=f"legal-{model}")
        post_delete.connect(_cookie_registry_changed, sender=model, dispatch_uid=f"legal-d{model}")


connect_cookie_registry()


@receiver(post_save, sender=ServiceCookie)
def service_cookie_saved(sender, instance, raw=False, **kwargs):
    # A cookie declared on a service becomes a row of django-cookie-consent in the service's
    # category; its creation date re-asks visitors who accepted that category before.
    if not raw:
        sync_service_cookies(instance.service)


@receiver(post_delete, sender=ServiceCookie)
def service_cookie_deleted(sender, instance, **kwargs):
    service = ThirdPartyService.objects.filter(pk=instance.service_id).first()
    if service is not None and service.cookie_group_id:
        Cookie.objects.filter(
            cookiegroup_id=service.cookie_group_id, name=instance.name, domain=instance.domain
        ).delete()
