"""Lead-magnet requests (the form post) and downloads through signed, expiring links."""

from django.http import FileResponse, Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from legal.http import fits_id_column, same_origin
from newsletter.signup import Consent, sign_up
from newsletter.views import cookie_consent_id, mail_held, rate_limited

from .delivery import read_download_token
from .forms import LeadMagnetForm
from .models import DownloadGrant, LeadMagnetPage


@never_cache
@csrf_exempt  # origin-checked in same_origin(): the form sits on a cacheable page
@require_POST
def request_resource(request, page_id):
    if not same_origin(request):
        return HttpResponseBadRequest("Cross-site requests are refused.")
    if not fits_id_column(LeadMagnetPage, page_id):
        raise Http404("No such page.")
    page = get_object_or_404(LeadMagnetPage.objects.live(), pk=page_id)
    if limited := rate_limited(request):
        return limited
    form = LeadMagnetForm(request.POST, page=page)
    if not form.is_valid():
        context = page.get_context(request, form=form)
        return TemplateResponse(request, page.get_template(request), context, status=400)
    data = form.cleaned_data
    consents = [Consent(page.purpose, page.consent_text)]
    tags = page.tags()
    if data.get("newsletter"):
        consents.append(Consent("newsletter", page.newsletter_consent_text))
        tags.append("newsletter")
    _contact, _request, held_until = sign_up(
        email=data["email"],
        first_name=data["first_name"],
        last_name=data.get("last_name", ""),
        phone=data.get("phone", ""),
        consents=consents,
        tags=tags,
        page=page,
        page_url=page.url or "",
        language=get_language() or "",
        cookie_consent_id=cookie_consent_id(request),
    )
    if held_until:
        return mail_held(request, held_until)
    return HttpResponseRedirect(reverse("newsletter:check_inbox"), status=303)


@never_cache
@require_GET
def download(request, token):
    grant = read_download_token(token)
    if grant is None:
        return TemplateResponse(request, "leadmagnets/download_expired.html", status=410)
    DownloadGrant.objects.filter(pk=grant.pk).update(
        download_count=grant.download_count + 1, last_download_at=timezone.now()
    )
    document = grant.page.resource
    response = FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.filename
    )
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
