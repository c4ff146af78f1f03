"""The consent endpoint: records a decision from the banner, the dialog or the no-JS page."""

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .consent import (
    ConsentError,
    banner_config,
    parse_decision,
    read_state,
    record_decision,
    write_state,
)
from .http import over_rate_limit, same_origin


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@never_cache
@csrf_exempt  # RFC 6454 origin check in same_origin() instead: pages stay cacheable
@require_http_methods(["GET", "POST"])
def consent(request):
    config = banner_config(request)
    if request.method == "GET":
        return settings_page(request, config)
    if not same_origin(request):
        return JsonResponse({"error": "Cross-site consent posts are refused."}, status=403)
    if over_rate_limit(request, "consent", *settings.CONSENT_RATE_LIMIT):
        response = TemplateResponse(request, "legal/consent_rate_limited.html", status=429)
        if wants_json(request):
            response = JsonResponse({"error": "Too many consent changes; try later."}, status=429)
        response["Retry-After"] = str(settings.CONSENT_RATE_LIMIT[1])
        return response
    try:
        decision = parse_decision(
            request.POST,
            gpc_header=request.headers.get("Sec-GPC") == "1",
            config=config,
            language=get_language() or "",
        )
    except ConsentError as error:
        return JsonResponse({"error": str(error)}, status=400)
    record, state = record_decision(request, decision, config)
    if wants_json(request):
        response = JsonResponse({"consent_id": record.consent_id, "groups": state["g"]})
    else:
        next_url = request.POST.get("next", "/")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = "/"
        response = HttpResponseRedirect(next_url, status=303)
    # Secure in production even if a proxy forgot X-Forwarded-Proto, like the session cookie.
    write_state(response, state, secure=request.is_secure() or settings.COOKIE_CONSENT_SECURE)
    return response


def settings_page(request, config):
    """The dialog as a page of its own: works without JavaScript, shows the current choice."""
    state = read_state(request) or {}
    stored = state.get("g", {})
    categories = [
        {**category, "checked": bool(stored.get(category["key"]))}
        for category in config["categories"]
    ]
    return TemplateResponse(
        request,
        "legal/consent_settings.html",
        {
            "categories": categories,
            "necessary": config["necessary"],
            "config": config,
            "consent_id": state.get("id"),
            "next": request.GET.get("next", "/"),
        },
    )
