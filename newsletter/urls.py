from django.urls import path

from . import views

app_name = "newsletter"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("check-your-inbox/", views.check_inbox, name="check_inbox"),
    path("confirm/<str:token>/", views.confirm_view, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path("unsubscribe/<str:token>/undo/", views.resubscribe_view, name="resubscribe"),
]
