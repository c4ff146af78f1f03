"""The public privacy-request form: anyone may ask for a copy or the erasure of what the
newsletter holds about an address; the link mailed to that address carries it out."""

from django import forms
from django.conf import settings
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from legal.http import over_rate_limit, same_origin

from ..models import DataRequest
from ..views import mail_held
from .request_link import REQUEST_LINK_DAYS, read_privacy_request_token
from .requests import carry_out_request, expire_unconfirmed_requests, request_by_mail


class PrivacyRequestForm(forms.Form):
    email = forms.EmailField(label="Your e-mail address", max_length=254)
    kind = forms.ChoiceField(
        label="What would you like?",
        choices=[
            (DataRequest.Kind.ACCESS, "A copy of the data held about me (GDPR Art. 15 and 20)"),
            (DataRequest.Kind.ERASURE, "Erase the data held about me (GDPR Art. 17)"),
        ],
        widget=forms.RadioSelect,
    )
    # Honeypot: hidden from people with CSS and aria-hidden; bots fill it in.
    website = forms.CharField(required=False, label="Leave this field empty")


@csrf_exempt  # origin-checked in same_origin(): the page carries no token, so it can be cached
@require_http_methods(["GET", "POST"])
def privacy_request(request):
    if request.method == "GET":
        return TemplateResponse(
            request, "newsletter/privacy_request.html", {"form": PrivacyRequestForm()}
        )
    if not same_origin(request):
        return HttpResponseBadRequest("Cross-site requests are refused.")
    if over_rate_limit(request, "privacy-request", *settings.NEWSLETTER_RATE_LIMIT):
        response = TemplateResponse(
            request, "newsletter/privacy_request_rate_limited.html", status=429
        )
        response["Retry-After"] = str(settings.NEWSLETTER_RATE_LIMIT[1])
        return response
    form = PrivacyRequestForm(request.POST)
    if not form.is_valid():
        return TemplateResponse(
            request, "newsletter/privacy_request.html", {"form": form}, status=400
        )
    if not form.cleaned_data["website"]:  # a bot gets the same answer, and nothing happens
        logged = request_by_mail(form.cleaned_data["email"], form.cleaned_data["kind"])
        if logged.mail_held_until:
            return mail_held(request, logged.mail_held_until)
    # The same answer for every address: the form tells nobody what is held about whom.
    response = HttpResponseRedirect(reverse("newsletter:privacy_request_sent"), status=303)
    response["Cache-Control"] = "no-store"
    return response


def privacy_request_sent(request):
    return TemplateResponse(
        request, "newsletter/privacy_request_sent.html", {"valid_days": REQUEST_LINK_DAYS}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def privacy_request_confirm(request, token):
    """GET asks (mail scanners follow links); POST, with Django's CSRF token because this
    page is never cached, carries the request out."""
    found = read_privacy_request_token(token)
    if found is None:
        expire_unconfirmed_requests()
        return TemplateResponse(request, "newsletter/privacy_request_invalid.html", status=400)
    logged, email = found
    if request.method == "GET":
        return TemplateResponse(
            request,
            "newsletter/privacy_request_confirm.html",
            {"token": token, "erasure": logged.kind == DataRequest.Kind.ERASURE},
        )
    done = carry_out_request(logged, email)
    if done is None:
        return TemplateResponse(request, "newsletter/privacy_request_invalid.html", status=400)
    return TemplateResponse(
        request,
        "newsletter/privacy_request_done.html",
        {
            "erasure": done.kind == DataRequest.Kind.ERASURE,
            "nothing_held": done.status == DataRequest.Status.NOTHING_HELD,
        },
    )
