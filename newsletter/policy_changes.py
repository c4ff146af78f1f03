"""Telling subscribers about a material change of a legal page: a Mailchimp campaign draft
with the change summary, the date it takes effect and links to the new version and to what
changed. The site never sends it; an editor reviews and sends it in Mailchimp.

Art. 29 WP, Transparency Guidelines (WP260 rev.01), "Changes to Article 13 and Article 14
information": fundamental changes are communicated well in advance by an explicit and
effective method, not left for people to find on the page.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.template.loader import render_to_string
from django.utils.formats import date_format

from legal.models import PolicyVersion

from . import links, mailchimp
from .models import MailSettings, PolicyChangeCampaign

logger = logging.getLogger(__name__)


def material_versions():
    """Published material changes, newest first, withdrawn ones left out."""
    return (
        PolicyVersion.objects.filter(is_material_change=True, withdrawn_at__isnull=True)
        .select_related("page")
        .order_by("-effective_date", "-pk")
    )


def previous_version(version: PolicyVersion) -> PolicyVersion | None:
    """The version before `version` in its page's public archive (same order as there)."""
    versions = list(
        PolicyVersion.objects.filter(page_id=version.page_id, withdrawn_at__isnull=True).order_by(
            "-effective_date", "-pk"
        )
    )
    ids = [v.pk for v in versions]
    if version.pk not in ids:
        return None
    index = ids.index(version.pk)
    return versions[index + 1] if index + 1 < len(versions) else None


def archive_url(version: PolicyVersion, route: str, **kwargs) -> str:
    """The public address of one of the page's archive routes, on the site's base address
    (as every link in a mail)."""
    page = version.page.specific
    _site_id, _root, page_path = page.get_url_parts()
    return links.absolute_url(
        page_path.rstrip("/") + "/" + page.reverse_subpage(route, kwargs=kwargs)
    )


@dataclass(frozen=True)
class CampaignDraft:
    subject: str
    title: str
    html: str
    plain_text: str


def campaign_draft(version: PolicyVersion) -> CampaignDraft:
    """What the campaign says. The editor's summary and title are escaped in the HTML part;
    Mailchimp's *|UNSUB|* and *|LIST:ADDRESSLINE|* give the unsubscribe link and the
    sender's postal address its campaigns must carry."""
    previous = previous_version(version)
    effective = date_format(version.effective_date, "j F Y")
    context = {
        "version": version,
        "effective": effective,
        "version_url": archive_url(version, "version_detail", label=version.slug),
        "compare_url": archive_url(version, "version_compare", old=previous.slug, new=version.slug)
        if previous
        else "",
    }
    return CampaignDraft(
        subject=f"{version.title}: changes from {effective}",
        title=f"{version.title} {version.version_label}: change notice",
        html=render_to_string("newsletter/campaigns/policy_change.html", context),
        plain_text=render_to_string("newsletter/campaigns/policy_change.txt", context),
    )


def drafts_for(version: PolicyVersion):
    return PolicyChangeCampaign.objects.filter(version=version)


class DraftWithoutContent(Exception):
    """Mailchimp made the draft but refused its content: the draft is recorded anyway."""

    def __init__(self, record: PolicyChangeCampaign, error: mailchimp.MailchimpError):
        super().__init__(str(error))
        self.record, self.error = record, error


def create_draft(version: PolicyVersion, user) -> PolicyChangeCampaign:
    """Create the campaign in Mailchimp, record it, then give it its content.

    Each Mailchimp call runs with no transaction open; the record is written in between, so
    a draft whose content failed is still shown (and not made twice). Raises
    `mailchimp.MailchimpError` when nothing was made, `DraftWithoutContent` when the draft
    was made without its text."""
    draft = campaign_draft(version)
    from_name, reply_to = MailSettings.load().sender_parts()
    campaign = mailchimp.create_campaign_draft(
        subject=draft.subject, title=draft.title, from_name=from_name, reply_to=reply_to
    )
    with transaction.atomic():
        record = PolicyChangeCampaign.objects.create(
            version=version,
            campaign_id=str(campaign.get("id", "")),
            web_id=campaign.get("web_id"),
            subject=draft.subject,
            created_by=user,
        )
    try:
        mailchimp.set_campaign_content(
            record.campaign_id, html=draft.html, plain_text=draft.plain_text
        )
    except mailchimp.MailchimpError as error:
        raise DraftWithoutContent(record, error) from error
    PolicyChangeCampaign.objects.filter(pk=record.pk).update(has_content=True)
    record.has_content = True
    logger.info("Mailchimp campaign draft %s created for %s", record.campaign_id, version)
    return record
