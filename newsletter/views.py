"""Public sign-up endpoints: the form post, "check your inbox", and the confirmation link."""

from django.conf import settings
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.fields import StreamField
from wagtail.models import Page

from legal.consent import read_state
from legal.http import over_rate_limit, same_origin

from .blocks import form_ids
from .forms import PreferencesForm, SignupForm
from .models import Contact, NewsletterSettings
from .preferences import (
    contact_for_token,
    leave_everything,
    masked_address,
    preferences_token,
    receives_newsletter,
    update_preferences,
)
from .signup import Consent, confirm, read_confirmation_token, sign_up
from .unsubscribe import read_unsubscribe_token, request_resubscribe, unsubscribe

BLOCK_TYPE = "newsletter_signup"


def find_signup_block(page, block_id: str):
    """The sign-up block `block_id` on `page`: its settings and consent text come from the
    page, never from the post, so the stored consent text is what the page showed."""
    for field in page._meta.get_fields():
        if isinstance(field, StreamField):
            for child in getattr(page, field.name) or []:
                if child.id == block_id and child.block_type == BLOCK_TYPE:
                    return child.value
    return None


def cookie_consent_id(request) -> str:
    """The visitor's pseudonymous cookie-consent id, if the banner was answered: stored with
    the sign-up so a later access or erasure request finds those consent records too."""
    state = read_state(request)
    return state["id"] if state else ""


def rate_limited(request):
    """The friendly 429 page when this address sent too many sign-ups, else None."""
    if not over_rate_limit(request, "signup", *settings.NEWSLETTER_RATE_LIMIT):
        return None
    response = TemplateResponse(request, "newsletter/rate_limited.html", status=429)
    response["Retry-After"] = str(settings.NEWSLETTER_RATE_LIMIT[1])
    return response


@never_cache
@csrf_exempt  # origin-checked in same_origin(): the forms sit on cacheable pages
@require_POST
def signup(request):
    if not same_origin(request):
        return HttpResponseBadRequest("Cross-site sign-ups are refused.")
    page = Page.objects.live().filter(pk=request.POST.get("page") or 0).first()
    if page is not None:
        config = find_signup_block(page.specific, request.POST.get("block", ""))
    else:  # the footer form, kept in the site's newsletter settings
        config = find_signup_block(
            NewsletterSettings.for_request(request), request.POST.get("block", "")
        )
    if config is None:
        return HttpResponseBadRequest("This sign-up form no longer exists; reload the page.")
    if limited := rate_limited(request):
        return limited
    form = SignupForm(request.POST, config=config, auto_id=form_ids(request.POST.get("block", "")))
    if not form.is_valid():
        return TemplateResponse(
            request,
            "newsletter/signup_errors.html",
            {
                "form": form,
                "value": config,
                "page": page.specific,
                "block_id": request.POST.get("block"),
            },
            status=400,
        )
    data = form.cleaned_data
    sign_up(
        email=data["email"],
        first_name=data["first_name"],
        last_name=data.get("last_name", ""),
        phone=data.get("phone", ""),
        consents=[Consent("newsletter", config["consent_text"])],
        tags=["newsletter"],
        source_page=page,
        source_url=(page.url or "") if page else "footer",
        cookie_consent_id=cookie_consent_id(request),
    )
    # The same answer whether the address is new, pending or subscribed: nobody can probe
    # the list through this form.
    return HttpResponseRedirect(reverse("newsletter:check_inbox"), status=303)


def check_inbox(request):
    return TemplateResponse(request, "newsletter/check_inbox.html")


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_view(request, token):
    data = read_confirmation_token(token)
    if data is None:
        return TemplateResponse(request, "newsletter/confirm_invalid.html", status=400)
    if request.method == "GET":
        # Mail scanners follow links: confirming takes a click on a button (a POST).
        return TemplateResponse(request, "newsletter/confirm.html", {"token": token})
    contact = confirm(
        data["c"],
        data.get("p", []),
        user_agent=request.headers.get("User-Agent", ""),
        remote_addr=request.META.get("REMOTE_ADDR", ""),
    )
    if contact is None:
        return TemplateResponse(request, "newsletter/confirm_invalid.html", status=400)
    return TemplateResponse(request, "newsletter/confirmed.html", {"contact": contact})


@never_cache
@csrf_exempt  # RFC 8058: the one-click POST carries no cookies, so no CSRF check here.
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request, token):
    """GET asks (mail scanners follow links); POST unsubscribes. Valid, invalid and used
    tokens get the same page, so the link reveals nothing about the list."""
    if request.method == "GET":
        return TemplateResponse(request, "newsletter/unsubscribe.html", {"token": token})
    unsubscribe(token)
    return TemplateResponse(request, "newsletter/unsubscribed.html", {"token": token})


@never_cache
@csrf_exempt  # same reasoning as unsubscribe_view; it only ever sends a confirmation mail
@require_POST
def resubscribe_view(request, token):
    request_resubscribe(token)
    return TemplateResponse(request, "newsletter/resubscribe_requested.html")


def preferences_invalid(request):
    """One neutral answer for forged, damaged and outdated links: nothing is changed and
    nothing is revealed about the list."""
    return TemplateResponse(request, "newsletter/preferences_invalid.html", status=400)


@never_cache  # reached from mail, shows one person's choices: never stored by any cache
@require_http_methods(["GET", "POST"])
def preferences_view(request, token):
    """The preference centre. A normal CSRF-protected form: unlike the one-click unsubscribe,
    nobody posts to it without first loading it in a browser."""
    contact = contact_for_token(token)
    if contact is None:
        return preferences_invalid(request)
    changes, status = None, 200
    leaving = request.method == "POST" and request.POST.get("action") == "leave"
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if leaving:
            changes = leave_everything(contact)
        elif form.is_valid():
            changes = update_preferences(
                contact,
                newsletter=form.cleaned_data["newsletter"],
                topics=form.cleaned_data["topics"],
            )
        else:
            status = 400
        contact.refresh_from_db()
    if status == 200:
        form = PreferencesForm(
            initial={
                "newsletter": receives_newsletter(contact),
                "topics": list(contact.topics.values_list("slug", flat=True)),
            }
        )
    context = {
        "contact": contact,
        "address": masked_address(contact.email),
        "form": form,
        "changes": changes,
        "left": leaving,
    }
    return TemplateResponse(request, "newsletter/preferences.html", context, status=status)


@never_cache
@require_http_methods(["GET"])
def preferences_from_unsubscribe(request, token):
    """From the unsubscribed page to the preference centre. The page links here with its
    own token, so it stays the same for valid and invalid links."""
    data = read_unsubscribe_token(token)
    contact = data and Contact.objects.filter(pk=data["c"]).first()
    if not contact:
        return preferences_invalid(request)
    url = reverse("newsletter:preferences", args=[preferences_token(contact)])
    return HttpResponseRedirect(url, status=303)
