"""Publishing a legal page the way an editor does, for tests that need a new version."""

from legal.models import PolicyPage, PolicyVersion


def publish(page, **changes):
    """Edit `page` like an editor would and publish it; returns the new PolicyVersion."""
    page = PolicyPage.objects.get(pk=page.pk)
    for field, value in changes.items():
        setattr(page, field, value)
    page.save_revision().publish()
    return PolicyVersion.objects.filter(page_id=page.pk).order_by("-pk").first()
