"""URL configuration: admin, site-wide endpoints, then Wagtail's page tree."""

from csp.constants import HEADER as CSP_HEADER
from django.conf import settings
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.utils.urlpatterns import decorate_urlpatterns

from legal.version_labels import URL_LABEL_PATTERN as LABEL

from . import views


def with_admin_csp(view):
    """The admin's own Content-Security-Policy (CONTENT_SECURITY_POLICY_ADMIN says why).

    A preview has already been through the middleware once, as Wagtail's dummy request for
    the page's public URL, and carries the public policy, whose frame-ancestors 'none' would
    blank the preview panel: that header goes, so the admin's is set on the way out.
    """

    def view_with_admin_csp(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if CSP_HEADER in response:
            del response[CSP_HEADER]
        response._csp_replace = settings.CONTENT_SECURITY_POLICY_ADMIN
        return response

    return view_with_admin_csp


admin_urlpatterns = decorate_urlpatterns(wagtailadmin_urls.urlpatterns, with_admin_csp)

urlpatterns = [
    path("admin/", include(admin_urlpatterns)),
    path("documents/", include(wagtaildocs_urls)),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
    # RFC 9116 §3: the legacy top-level path may redirect to the canonical one.
    path("security.txt", RedirectView.as_view(pattern_name="security_txt", permanent=True)),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("brand.css", views.brand_css, name="brand_css"),
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
    # (/privacy/versions/V2.4.3/): route exactly those archive paths through Wagtail too.
    re_path(
        rf"^((?:[\w\-]+/)*versions/{LABEL}/(?:compare/{LABEL}/)?)$",
        wagtail_views.serve,
        name="legal_version_serve",
    ),
    # Wagtail's page serving last: it matches every remaining path.
    path("", include(wagtail_urls)),
]
