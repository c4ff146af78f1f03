"""Publishing a legal page the way an editor does, for tests that need a new version, and
saving services as drafts the way the admin does (they go live with a policy version)."""

from django.utils import timezone

from legal.models import PolicyPage, PolicyVersion, ThirdPartyService
from tests.legal.factories import ThirdPartyServiceFactory


def publish(page, **changes):
    """Edit `page` like an editor would and publish it; returns the new PolicyVersion."""
    page = PolicyPage.objects.get(pk=page.pk)
    for field, value in changes.items():
        setattr(page, field, value)
    page.save_revision().publish()
    return PolicyVersion.objects.filter(page_id=page.pk).order_by("-pk").first()


def draft_service(**fields):
    """A new service as the admin saves one: a draft with one revision, never live."""
    service = ThirdPartyServiceFactory.build(**fields)
    service.live = False
    service.save()
    service.save_revision()
    return service


def save_draft(service, **changes):
    """Edit `service` as the admin does: a new revision; a live service's row stays as it is
    until a policy version publishes the revision."""
    draft = ThirdPartyService.objects.get(pk=service.pk).get_latest_revision_as_object()
    for field, value in changes.items():
        setattr(draft, field, value)
    draft.save_revision()
    return draft


def publish_privacy_policy(**changes):
    """Publish the demo's privacy policy again, effective today, as an editor does to put the
    registry's changes live: its version discloses every live service."""
    page = PolicyPage.objects.get(slug="privacy")
    return publish(page, **{"effective_date": timezone.localdate(), **changes})
