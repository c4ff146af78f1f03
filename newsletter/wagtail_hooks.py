"""Admin integration: the "Newsletter" menu (contacts and their Mailchimp sync, topics, the
footer sign-up and mail settings, telling subscribers about a policy change), the privacy
requests screen, listed under "Legal & privacy", and a legal page's "Tell subscribers about
a change" button."""

import ipaddress

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button
from wagtail.contrib.settings.registry import SettingMenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from legal.models import LegalPage, PolicyVersion

from . import admin_views, mail, policy_change_views
from .models import MailSettings, NewsletterSettings, NewsletterTopic
from .privacy import admin as privacy_admin

NEWSLETTER_MENU_HOOK = "register_newsletter_menu_item"


class ContactsMenuItem(MenuItem):
    """Both screens about people (sync state, privacy requests) need to view contacts."""

    def is_shown(self, request):
        return request.user.has_perm("newsletter.view_contact")


@hooks.register("register_admin_urls")
def newsletter_admin_urls():
    return [
        path("newsletter/sync/", admin_views.sync_overview, name="newsletter_sync"),
        path("newsletter/sync/retry/", admin_views.retry, name="newsletter_sync_retry"),
    ]


class NewsletterTopicViewSet(SnippetViewSet):
    """The topics people choose in the preference centre; an interest id makes a topic a
    Mailchimp interest (group), otherwise it is synced as the tag topic:<slug>."""

    model = NewsletterTopic
    icon = "tag"
    menu_label = "Topics"
    menu_name = "newsletter-topics"
    menu_order = 200
    list_display = ["name", "slug", "mailchimp_interest_id", "sort_order"]


class NewsletterGroup(SnippetViewSetGroup):
    """Topics are a snippet viewset; the contacts screen and the site setting are plain menu
    items, added through this group's `submenu_hook` below."""

    menu_label = "Newsletter"
    menu_name = "newsletter"
    menu_icon = "mail"
    menu_order = 210  # after "Legal & privacy"
    items = (NewsletterTopicViewSet,)
    submenu_hook = NEWSLETTER_MENU_HOOK


register_snippet(NewsletterGroup)


@hooks.register(NEWSLETTER_MENU_HOOK)
def contacts_menu_item():
    return ContactsMenuItem(
        "Contacts",
        reverse("newsletter_sync"),
        name="newsletter-contacts",
        icon_name="group",
        order=100,
    )


@hooks.register(NEWSLETTER_MENU_HOOK)
def settings_menu_item():
    # The same setting stays under Settings too, where Wagtail lists every setting.
    item = SettingMenuItem(NewsletterSettings, icon="cog", name="newsletter-settings", order=300)
    item.label = "Settings"
    return item


@hooks.register(NEWSLETTER_MENU_HOOK)
def mail_settings_menu_item():
    item = SettingMenuItem(MailSettings, icon="mail", name="mail-settings", order=310)
    item.label = "Mail sender and texts"
    return item


def is_public_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host not in ("localhost", "") and not host.endswith(".localhost")
    return False


@hooks.register("after_edit_setting")
def advise_sender_domain(request, instance):
    """An address on another domain is allowed (a shop's, a mail service's) but often lands
    in spam: the receiving server checks SPF, DKIM and DMARC against the sender's domain."""
    if not isinstance(instance, MailSettings) or not instance.sender_address:
        return
    host = mail.site_host().lower()
    domain = instance.sender_address.rpartition("@")[2].lower()
    if is_public_host(host) and not (host == domain or host.endswith(f".{domain}")):
        messages.warning(
            request,
            f"The sender address is not on the site's domain ({host}). Mail from it is sent "
            "only if the mail server may send for that domain (SPF, DKIM); otherwise it often "
            "lands in spam.",
        )


class PolicyChangesMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("newsletter.view_policychangecampaign")


@hooks.register(NEWSLETTER_MENU_HOOK)
def policy_changes_menu_item():
    return PolicyChangesMenuItem(
        "Policy change mails",
        reverse("newsletter_policy_changes"),
        name="policy-change-mails",
        icon_name="doc-full",
        order=400,
    )


@hooks.register("register_admin_urls")
def policy_change_urls():
    return [
        path(
            "newsletter/policy-changes/",
            policy_change_views.policy_change_mails,
            name="newsletter_policy_changes",
        ),
        path(
            "newsletter/policy-changes/<int:version_id>/draft/",
            policy_change_views.create_campaign_draft,
            name="newsletter_policy_change_draft",
        ),
    ]


@hooks.register("register_page_header_buttons")
def tell_subscribers_button(page, user, view_name=None, next_url=None):
    """On a legal page with a published material change: the way to its campaign drafts."""
    page_class = page.specific_class
    if not (page_class and issubclass(page_class, LegalPage)):
        return
    if not policy_change_views.can_create(user):
        return
    if PolicyVersion.objects.filter(
        page_id=page.pk, is_material_change=True, withdrawn_at__isnull=True
    ).exists():
        yield Button(
            "Tell subscribers about a change",
            reverse("newsletter_policy_changes") + f"?page={page.pk}",
            icon_name="mail",
            priority=80,
        )


@hooks.register("register_admin_urls")
def privacy_admin_urls():
    return [
        path("newsletter/privacy/", privacy_admin.privacy_requests, name="newsletter_privacy"),
        path("newsletter/privacy/erase/", privacy_admin.erase, name="newsletter_privacy_erase"),
        path(
            "newsletter/privacy/<int:pk>/retry/",
            privacy_admin.retry_erasure,
            name="newsletter_privacy_retry",
        ),
    ]


# Data-subject requests belong with the rest of data protection: legal's "Legal & privacy"
# menu collects items from this hook (Wagtail's submenu_hook), so legal never imports newsletter.
@hooks.register("register_legal_menu_item")
def privacy_menu_item():
    return ContactsMenuItem(
        "Privacy requests",
        reverse("newsletter_privacy"),
        name="privacy-requests",
        icon_name="user",
        order=600,
    )
