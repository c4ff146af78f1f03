"""Lead magnets' part of an access request (GDPR Art. 15): the downloads granted to the
person. Erasure needs nothing here: grants are deleted with their contact."""

from django.dispatch import receiver

from newsletter.privacy.export import collect_personal_data

from .models import DownloadGrant


@receiver(collect_personal_data)
def downloads_held(sender, email, contacts, **kwargs):
    grants = DownloadGrant.objects.filter(contact__in=contacts).select_related("page")
    return {
        "downloads": [
            {
                "resource": grant.page.title,
                "page_url": grant.page.url,
                "granted_at": grant.created_at,
                "link_expires_at": grant.expires_at,
                "download_count": grant.download_count,
                "last_download_at": grant.last_download_at,
            }
            for grant in grants
        ]
    }
