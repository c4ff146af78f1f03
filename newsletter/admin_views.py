"""The "Mailchimp sync" admin screen: contacts with their sync state and last error, a filter
for failed ones, and retrying them."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import mailchimp, outbox
from .models import Contact

FILTERS = {
    "all": None,
    "failed": Contact.SyncState.FAILED,
    "retrying": Contact.SyncState.RETRYING,
    # Mailchimp mailed its own opt-in after refusing to subscribe again: the person's turn.
    "awaiting": Contact.SyncState.AWAITING_MAILCHIMP,
    "queued": Contact.SyncState.QUEUED,
    "synced": Contact.SyncState.SYNCED,
}


def require_permission(request, action="view"):
    if not request.user.has_perm(f"newsletter.{action}_contact"):
        raise PermissionDenied


def sync_overview(request):
    require_permission(request)
    state = request.GET.get("state", "all")
    contacts = Contact.objects.order_by("-created_at")
    if FILTERS.get(state):
        contacts = contacts.filter(sync_state=FILTERS[state])
    page = Paginator(contacts, 50).get_page(request.GET.get("p"))
    counts = {
        key: Contact.objects.filter(sync_state=value).count()
        for key, value in FILTERS.items()
        if value
    }
    filters = [(key, counts.get(key)) for key in FILTERS]
    return render(
        request,
        "newsletter/admin/sync_overview.html",
        {
            "page_obj": page,
            "state": state,
            "filters": filters,
            "counts": counts,
            "sync_on": mailchimp.is_configured(),
        },
    )


@require_POST
def retry(request):
    """Put failed (or the one chosen) contacts' jobs back in the outbox, due now."""
    require_permission(request, "change")
    contacts = Contact.objects.filter(sync_state=Contact.SyncState.FAILED)
    if request.POST.get("contact"):
        contacts = Contact.objects.filter(pk=request.POST["contact"])
    count = 0
    with transaction.atomic():
        for contact in contacts:
            outbox.requeue_failed(contact)
            count += 1
    messages.success(request, f"{count} contact(s) queued for another sync.")
    return redirect("newsletter_sync")
