"""Admin integration: the Mailchimp sync screen."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


@hooks.register("register_admin_urls")
def newsletter_admin_urls():
    return [
        path("newsletter/sync/", admin_views.sync_overview, name="newsletter_sync"),
        path("newsletter/sync/retry/", admin_views.retry, name="newsletter_sync_retry"),
    ]


@hooks.register("register_admin_menu_item")
def newsletter_menu_item():
    return MenuItem("Newsletter contacts", reverse("newsletter_sync"), icon_name="mail", order=310)
