"""Admin integration: the Mailchimp sync screen."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import admin_views, privacy_admin
from .models import NewsletterTopic


@hooks.register("register_admin_urls")
def newsletter_admin_urls():
    return [
        path("newsletter/sync/", admin_views.sync_overview, name="newsletter_sync"),
        path("newsletter/sync/retry/", admin_views.retry, name="newsletter_sync_retry"),
    ]


@hooks.register("register_admin_menu_item")
def newsletter_menu_item():
    return MenuItem("Newsletter contacts", reverse("newsletter_sync"), icon_name="mail", order=310)


class NewsletterTopicViewSet(SnippetViewSet):
    """The topics people choose in the preference centre; an interest id makes a topic a
    Mailchimp interest (group), otherwise it is synced as the tag topic:<slug>."""

    model = NewsletterTopic
    icon = "tag"
    menu_label = "Newsletter topics"
    menu_name = "newsletter-topics"
    add_to_admin_menu = True
    menu_order = 311
    list_display = ["name", "slug", "mailchimp_interest_id", "sort_order"]


register_snippet(NewsletterTopicViewSet)


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


@hooks.register("register_admin_menu_item")
def privacy_menu_item():
    return privacy_admin.PrivacyMenuItem(
        "Privacy requests", reverse("newsletter_privacy"), icon_name="lock", order=312
    )
