"""Every publish of a legal page becomes a new PolicyVersion, which takes the registry's
pending changes along (a saved service is a draft until then); the cookie rows follow the
services. Connected in LegalConfig.ready()."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, unpublished

from .consent import sync_service_cookies
from .models import LegalPage, ServiceCookie, ThirdPartyService
from .versioning import record_version


@receiver(page_published)
def freeze_published_legal_page(sender, instance, revision, **kwargs):
    # Fires for admin publishes, workflow approvals and `publish_scheduled` alike.
    if isinstance(instance, LegalPage):
        record_version(instance, revision)


@receiver(unpublished, sender=ThirdPartyService)
def withdrawn_service_stays_withdrawn(sender, instance, **kwargs):
    # Unpublishing stops a service at once (the consent manager runs live services only), and
    # the next policy version leaves it out. Wagtail marks its last revision as unpublished
    # changes, which would put it live again with that version: only saving it again does.
    ThirdPartyService.objects.filter(pk=instance.pk).update(has_unpublished_changes=False)


@receiver(post_save, sender=ServiceCookie)
def service_cookie_saved(sender, instance, raw=False, **kwargs):
    # A cookie declared on a service becomes a row of django-cookie-consent in the service's
    # category; its creation date re-asks visitors who accepted that category before.
    if not raw:
        sync_service_cookies()


@receiver(post_delete, sender=ServiceCookie)
def service_cookie_deleted(sender, instance, **kwargs):
    sync_service_cookies(also=(instance.name, instance.domain))


@receiver(post_save, sender=ThirdPartyService)
def service_cookies_follow_the_service(sender, instance, raw=False, **kwargs):
    # Saving the live row (a publish included) may move the service to another category or
    # rename it: its cookie rows follow. Its cookies are saved after it and sync again.
    if not raw:
        sync_service_cookies()
