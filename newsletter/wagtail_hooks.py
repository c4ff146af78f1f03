"""Admin integration: the "Newsletter" menu (contacts and their Mailchimp sync, topics, the
footer sign-up setting) and the privacy requests screen, listed under "Legal & privacy"."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.contrib.settings.registry import SettingMenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import admin_views
from .models import NewsletterSettings, NewsletterTopic
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
