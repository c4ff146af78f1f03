"""Admin report: accept and reject rates per category, computed from the ledger without
personal data."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from .consent import consent_counts

PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}


def consent_report(request):
    if not request.user.has_perm("legal.view_consentrecord"):
        raise PermissionDenied
    period = request.GET.get("period", "90")
    days = PERIODS.get(period, 90)
    since = timezone.now() - timezone.timedelta(days=days) if days else None
    return render(
        request,
        "legal/admin/consent_report.html",
        {"rows": consent_counts(since), "period": period, "periods": PERIODS},
    )
