"""Public sign-up endpoints: the form post, "check your inbox", and the confirmation link."""

import re

from django.conf import settings
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.fields import StreamField
from wagtail.models import Page

from legal.consent import read_state
from legal.http import client_address, fits_id_column, over_rate_limit, same_origin

from .forms import PreferencesForm, SignupForm, form_ids
from .links import preferences_token, read_confirmation_token
from .models import ConsentChannel, NewsletterSettings, NewsletterTopic, SignupRequest
from .preferences import (
    contact_for_token,
    leave_everything,
    masked_address,
    receives_newsletter,
    update_preferences,
)
from .signup import Consent, confirm, sign_up
from .texts import NEWSLETTER
from .unsubscribe import contact_for_unsubscribe_token, request_resubscribe, unsubscribe

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
    """The friendly 429 page when this client (`client_address`) sent too many sign-ups,
    else None."""
    if not over_rate_limit(request, "signup", *settings.NEWSLETTER_RATE_LIMIT):
        return None
    response = TemplateResponse(request, "newsletter/rate_limited.html", status=429)
    response["Retry-After"] = str(settings.NEWSLETTER_RATE_LIMIT[1])
    return response


def mail_held(request, held_until):
    """The answer to a request that was stored but mailed nothing, because its mailbox had
    its hourly allowance of mails (`mail_limits`): when to look again. It depends on the
    requests for that mailbox only, never on what is held about it."""
    response = TemplateResponse(request, "newsletter/mail_held.html", {"held_until": held_until})
    add_never_cache_headers(response)  # an answer to one post, for nobody else
    return response


class BadSignupPost(Exception):
    """A sign-up post with hidden fields that no form of this site sends; the message says
    which (400). The visitor cannot fix a hidden field, so no form is shown again."""


BLOCK_ID = re.compile(r"[0-9A-Za-z-]{1,64}")  # Wagtail's block ids are UUIDs
FORM_GONE = "This sign-up form no longer exists; reload the page."


def single_value(request, name: str) -> str:
    values = request.POST.getlist(name)
    if len(values) > 1:
        raise BadSignupPost(f"The form sent more than one '{name}' field; reload the page.")
    return values[0] if values else ""


def posted_form(request):
    """The page (None for the footer form) and the block id that the hidden `page` and
    `block` fields name. Raises BadSignupPost for values no form sends and Http404 for a
    page id too large to be one."""
    raw_page, block_id = single_value(request, "page"), single_value(request, "block")
    if not BLOCK_ID.fullmatch(block_id):
        raise BadSignupPost("The form's 'block' field is not a form id; reload the page.")
    if not raw_page:
        return None, block_id
    if not (raw_page.isascii() and raw_page.isdigit() and int(raw_page) > 0):
        raise BadSignupPost("The form's 'page' field is not a page id; reload the page.")
    if not fits_id_column(Page, int(raw_page)):
        raise Http404("No such page.")
    page = Page.objects.live().filter(pk=int(raw_page)).first()
    if page is None:
        raise BadSignupPost(FORM_GONE)
    return page.specific, block_id


@never_cache
@csrf_exempt  # origin-checked in same_origin(): the forms sit on cacheable pages
@require_POST
def signup(request):
    if not same_origin(request):
        return HttpResponseBadRequest("Cross-site sign-ups are refused.")
    try:
        page, block_id = posted_form(request)
    except BadSignupPost as error:
        return HttpResponseBadRequest(str(error))
    # The footer form is kept in the site's newsletter settings.
    config = find_signup_block(page or NewsletterSettings.for_request(request), block_id)
    if config is None:
        return HttpResponseBadRequest(FORM_GONE)
    if limited := rate_limited(request):
        return limited
    form = SignupForm(request.POST, config=config, auto_id=form_ids(block_id))
    if not form.is_valid():
        # The form again with each message next to its field, to fix and send from there.
        context = {"form": form, "value": config, "page": page, "block_id": block_id}
        return TemplateResponse(request, "newsletter/signup_errors.html", context, status=400)
    data = form.cleaned_data
    _contact, _request, held_until = sign_up(
        email=data["email"],
        first_name=data["first_name"],
        last_name=data.get("last_name", ""),
        phone=data.get("phone", ""),
        consents=[Consent(NEWSLETTER, config["consent_text"])],
        tags=[NEWSLETTER],
        channel=ConsentChannel.FORM if page else ConsentChannel.FOOTER,
        page=page,
        page_url=(page.url or "") if page else "",
        cookie_consent_id=cookie_consent_id(request),
        language=get_language() or "",
    )
    if held_until:
        return mail_held(request, held_until)
    # The same answer whether the address is new, pending or subscribed: nobody can probe
    # the list through this form.
    return HttpResponseRedirect(reverse("newsletter:check_inbox"), status=303)


def check_inbox(request):
    return TemplateResponse(request, "newsletter/check_inbox.html")


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_view(request, token):
    key = read_confirmation_token(token)
    if key is None:
        return TemplateResponse(request, "newsletter/confirm_invalid.html", status=400)
    if request.method == "GET":
        # Mail scanners follow links: confirming takes a click on a button (a POST).
        used = SignupRequest.objects.filter(key=key).exclude(confirmed_at=None).exists()
        context = {"token": token, "already_confirmed": used}
        return TemplateResponse(request, "newsletter/confirm.html", context)
    confirmation = confirm(
        key,
        user_agent=request.headers.get("User-Agent", ""),
        remote_addr=client_address(request),
    )
    if confirmation is None:
        return TemplateResponse(request, "newsletter/confirm_invalid.html", status=400)
    context = {
        "confirmation": confirmation,
        "contact": confirmation.contact,
        "hosted_form_url": settings.MAILCHIMP_HOSTED_FORM_URL,
    }
    return TemplateResponse(request, "newsletter/confirmed.html", context)


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
    topics = NewsletterTopic.objects.all()
    if request.method == "POST":
        form = PreferencesForm(request.POST, topics=topics)
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
            },
            topics=topics,
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
    contact = contact_for_unsubscribe_token(token)
    if not contact:
        return preferences_invalid(request)
    url = reverse("newsletter:preferences", args=[preferences_token(contact)])
    return HttpResponseRedirect(url, status=303)
