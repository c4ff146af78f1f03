"""The admin's "Tell subscribers about this change" screen: material versions of the legal
pages, the Mailchimp campaign drafts made for each, and the button that makes one.

The button only ever creates a draft; it says so, and it refuses a second draft for the same
version unless the editor asks for another one on purpose.
"""

import math

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from legal.models import PolicyVersion

from . import mailchimp, policy_changes
from .models import PolicyChangeCampaign

NOT_CONFIGURED = (
    "Mailchimp is not set up, so no campaign can be created: the server needs "
    "MAILCHIMP_API_KEY and MAILCHIMP_AUDIENCE_ID. Nothing was created."
)


def require_permission(request, action: str) -> None:
    if not request.user.has_perm(f"newsletter.{action}_policychangecampaign"):
        raise PermissionDenied


def can_create(user) -> bool:
    return user.has_perm("newsletter.add_policychangecampaign")


def screen_url(version: PolicyVersion | None = None) -> str:
    url = reverse("newsletter_policy_changes")
    return f"{url}?page={version.page_id}#version-{version.pk}" if version else url


def policy_change_mails(request):
    require_permission(request, "view")
    versions = policy_changes.material_versions()
    page_id = request.GET.get("page", "")
    if page_id.isdigit():
        versions = versions.filter(page_id=int(page_id))
    versions = list(versions[:50])
    drafts = {}
    for draft in PolicyChangeCampaign.objects.filter(version__in=versions).select_related(
        "created_by"
    ):
        draft.admin_url = mailchimp.campaign_admin_url(draft.web_id)
        drafts.setdefault(draft.version_id, []).append(draft)
    rows = [{"version": version, "drafts": drafts.get(version.pk, [])} for version in versions]
    return render(
        request,
        "newsletter/admin/policy_change_mails.html",
        {
            "rows": rows,
            "mailchimp_on": mailchimp.is_configured(),
            "can_create": can_create(request.user),
            "filtered": page_id.isdigit(),
        },
    )


@require_POST
def create_campaign_draft(request, version_id: int):
    require_permission(request, "add")
    version = get_object_or_404(policy_changes.material_versions(), pk=version_id)
    back = redirect(screen_url(version))
    if not mailchimp.is_configured():
        messages.warning(request, NOT_CONFIGURED)
        return back
    existing = policy_changes.drafts_for(version).first()
    if existing is not None and request.POST.get("another") != "yes":
        messages.warning(
            request,
            f"A campaign draft for version {version.version_label} already exists (created "
            f"{existing.created_at:%Y-%m-%d %H:%M}). Open it in Mailchimp, or choose "
            "“Create another draft” if you want a second one. Nothing was created.",
            buttons=[open_button(existing)],
        )
        return back
    # One creation per version at a time: a double click must not make two drafts.
    lock = f"policy-change-draft:{version.pk}"
    if not cache.add(lock, True, timeout=math.ceil(2 * mailchimp.longest_call()) + 5):
        messages.warning(
            request, "A draft for this version is being created right now. Nothing else was."
        )
        return back
    try:
        record = policy_changes.create_draft(version, request.user)
    except policy_changes.DraftWithoutContent as failure:
        messages.error(
            request,
            f"The draft was created in Mailchimp, but its text could not be set (Mailchimp: "
            f"{mailchimp_said(failure.error)}). Open it in Mailchimp to write it there, or "
            "delete it there and create another.",
            buttons=[open_button(failure.record)],
        )
        return back
    except mailchimp.MailchimpError as error:
        messages.error(request, failure_message(error))
        return back
    finally:
        cache.delete(lock)
    messages.success(
        request,
        f"Campaign draft “{record.subject}” created in Mailchimp for the audience's "
        "subscribed contacts. Nothing has been sent: review it and send it in Mailchimp.",
        buttons=[open_button(record)],
    )
    return back


def mailchimp_said(error: mailchimp.MailchimpError) -> str:
    if error.status is None:
        return "no answer"
    return ": ".join(part for part in (error.title, error.detail) if part) or str(error.status)


def failure_message(error: mailchimp.MailchimpError) -> str:
    if error.retryable:
        return (
            f"Mailchimp could not be reached or is busy ({mailchimp_said(error)}). Nothing was "
            "created; try again in a moment."
        )
    hint = ""
    if "reply_to" in error.detail or "from_name" in error.detail:
        hint = " Check the sender's name and address in Settings → Mail sender and texts."
    return f"Mailchimp refused the campaign ({mailchimp_said(error)}). Nothing was created.{hint}"


def open_button(record: PolicyChangeCampaign):
    return messages.button(
        mailchimp.campaign_admin_url(record.web_id), "Open in Mailchimp", new_window=True
    )
