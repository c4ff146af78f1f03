from django.urls import path

from . import views
from .privacy import views as privacy_views
from .webhooks import mailchimp_webhook

app_name = "newsletter"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("check-your-inbox/", views.check_inbox, name="check_inbox"),
    path("confirm/<str:token>/", views.confirm_view, name="confirm"),
    path("webhooks/mailchimp/<str:secret>/", mailchimp_webhook, name="mailchimp_webhook"),
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path("unsubscribe/<str:token>/undo/", views.resubscribe_view, name="resubscribe"),
    path(
        "unsubscribe/<str:token>/preferences/",
        views.preferences_from_unsubscribe,
        name="unsubscribe_preferences",
    ),
    path("preferences/<str:token>/", views.preferences_view, name="preferences"),
    path("privacy-request/", privacy_views.privacy_request, name="privacy_request"),
    path("privacy-request/sent/", privacy_views.privacy_request_sent, name="privacy_request_sent"),
    path(
        "privacy-request/<str:token>/",
        privacy_views.privacy_request_confirm,
        name="privacy_request_confirm",
    ),
]
