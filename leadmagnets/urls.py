from django.urls import path

from . import views

app_name = "leadmagnets"

urlpatterns = [
    path("<int:page_id>/request/", views.request_resource, name="request"),
    path("download/<str:token>/", views.download, name="download"),
]
