"""URL configuration: admin, site-wide endpoints, then Wagtail's page tree."""

from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from . import views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("", include("legal.urls")),
    path("newsletter/", include("newsletter.urls")),
    path("lead-magnets/", include("leadmagnets.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    # Uploaded images in local runs; production serves media from storage or a CDN.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [
    # Wagtail's page pattern allows no dots, but legal version labels have them
    # (/privacy/versions/2.4.3/): route exactly those archive paths through Wagtail too.
    re_path(
        r"^((?:[\w\-]+/)*versions/[\d.]+/(?:compare/[\d.]+/)?)$",
        wagtail_views.serve,
        name="legal_version_serve",
    ),
    # Wagtail's page serving last: it matches every remaining path.
    path("", include(wagtail_urls)),
]
