"""The "Privacy requests" admin screen: the audit log of data-subject requests, an export
(download as JSON) and an erasure (after a confirmation step) for an e-mail address."""

import json

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import links
from ..admin_views import require_permission
from ..models import DataRequest
from .erasure import erase_personal_data, retry_mailchimp_erasure
from .export import access_personal_data, export_counts, export_personal_data
from .log import NOTHING_HELD, describe_outcome, mailchimp_erasure_failed
from .requests import expire_unconfirmed_requests

# The confirmation page hands its address to the erase view signed: an erasure cannot be
# posted without the confirmation step having been shown, and not long after it.
# v2: {"email": ...} (v1 signed the bare address; such a token lived minutes, in one session).
CONFIRM_SALT = "newsletter.admin-erase.v2"
CONFIRM_SECONDS = 15 * 60


class DataRequestForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    action = forms.ChoiceField(
        choices=[("export", "Export (download as JSON)"), ("erase", "Erase")],
        widget=forms.RadioSelect,
        initial="export",
    )


@require_http_methods(["GET", "POST"])
def privacy_requests(request):
    require_permission(request, "view")
    form = DataRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if form.cleaned_data["action"] == "export":
            return export(request, email)
        require_permission(request, "delete")
        data = export_personal_data(email)
        if data is None:  # nothing to confirm: log the request and say so
            erase_personal_data(email, source=DataRequest.Source.ADMIN, user=request.user)
            messages.info(request, NOTHING_HELD)
            return redirect("newsletter_privacy")
        return render(
            request,
            "newsletter/admin/privacy_erase_confirm.html",
            {
                "email": email,
                "counts": export_counts(data),
                "token": links.sign({"email": email}, CONFIRM_SALT, dated=True),
            },
        )
    expire_unconfirmed_requests()
    page = Paginator(DataRequest.objects.select_related("requested_by"), 50).get_page(
        request.GET.get("p")
    )
    rows = [(logged, describe_outcome(logged), mailchimp_erasure_failed(logged)) for logged in page]
    return render(
        request,
        "newsletter/admin/privacy_requests.html",
        {
            "form": form,
            "page_obj": page,
            "rows": rows,
            "can_erase": request.user.has_perm("newsletter.delete_contact"),
        },
        status=400 if form.errors else 200,
    )


def export(request, email):
    data, logged = access_personal_data(email, source=DataRequest.Source.ADMIN, user=request.user)
    if data is None:
        messages.info(request, NOTHING_HELD)
        return redirect("newsletter_privacy")
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    # The address stays out of the file name (download folders, browser history).
    response["Content-Disposition"] = f'attachment; filename="personal-data-{logged.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def erase(request):
    require_permission(request, "delete")
    confirmed = links.read_token(
        request.POST.get("token", ""), CONFIRM_SALT, max_age=CONFIRM_SECONDS, keys=("email",)
    )
    if confirmed is None:
        messages.error(request, "The confirmation has expired; please start again.")
        return redirect("newsletter_privacy")
    logged = erase_personal_data(
        confirmed["email"], source=DataRequest.Source.ADMIN, user=request.user
    )
    if logged.status == DataRequest.Status.NOTHING_HELD:
        messages.info(request, NOTHING_HELD)
    else:
        messages.success(request, f"Erased. {describe_outcome(logged)}")
    return redirect("newsletter_privacy")


@require_POST
def retry_erasure(request, pk):
    require_permission(request, "delete")
    logged = get_object_or_404(DataRequest, pk=pk, kind=DataRequest.Kind.ERASURE)
    if retry_mailchimp_erasure(logged):
        messages.success(request, "The deletion in Mailchimp is queued again.")
    else:
        messages.info(request, "No failed deletion in Mailchimp to retry for this request.")
    return redirect("newsletter_privacy")
