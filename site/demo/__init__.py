"""The website's demo content for `load_initial_data`: the home page and the default site, about,
contact, the pages the menu points to, the home page's links and the site settings.

The content is in content.toml next to this module; the builders leave whatever they find
alone, so an editor's changes survive another load.
"""

from urllib.parse import urlsplit

from django.conf import settings
from wagtail.models import Page, Site

from legal.demo import Report, publish_child, read_data

from ..models import ContactFormField, ContactPage, HomePage, SiteSettings, StandardPage


def content() -> dict:
    return read_data(__name__, "content.toml")


def ensure_home(report: Report) -> HomePage:
    """The home page, as the root of the default site."""
    home = HomePage.objects.first()
    if home is not None:
        report(False, f"home page '{home.title}'")
        return home
    data = content()
    root = Page.get_first_root_node()
    # Wagtail's "Welcome to your new Wagtail site!" page sits where the home page goes.
    for welcome in root.get_children().filter(content_type__model="page"):
        welcome.delete()
    home = publish_child(root, HomePage(**data["home"]))
    # The default site answers on the address the admin and mails use for absolute links.
    base_url = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    site.hostname = base_url.hostname or "localhost"
    site.port = base_url.port or (443 if base_url.scheme == "https" else 80)
    site.root_page = home
    site.site_name = data["creator"]
    site.save()
    report(True, "home page")
    return home


def ensure_about(home: HomePage, report: Report) -> Page:
    fields = content()["about"]
    existing = home.get_children().filter(slug=fields["slug"]).first()
    if existing is not None:
        report(False, "about page")
        return existing
    page = publish_child(home, StandardPage(**fields))
    report(True, "about page")
    return page


def ensure_contact(home: HomePage, report: Report) -> ContactPage:
    existing = ContactPage.objects.child_of(home).first()
    if existing is not None:
        report(False, "contact page")
        return existing
    fields = content()["contact"]
    form_fields = fields.pop("form_fields")
    page = ContactPage(**fields)
    page.form_fields = [
        ContactFormField(sort_order=order, **field) for order, field in enumerate(form_fields)
    ]
    publish_child(home, page)
    report(True, "contact page (form builder, submissions stored)")
    return page


def ensure_placeholders(home: HomePage, report: Report) -> dict[str, Page]:
    """The standard pages that stand in for pages later parts of the product build, by slug."""
    pages = {}
    for fields in content()["placeholders"]:
        page = home.get_children().filter(slug=fields["slug"]).first()
        if page is not None:
            report(False, f"'{page.title}' page")
        else:
            page = publish_child(home, StandardPage(**fields))
            report(True, f"'{page.title}' page")
        pages[fields["slug"]] = page
    return pages


def ensure_home_links(home: HomePage, pages: dict[str, Page], report: Report) -> None:
    """The hero's button and the links below it, to `pages` (by the slug the data names them
    by); nothing if the home page has either already."""
    if home.links or home.hero_cta_page_id:
        return
    data = content()["home_links"]
    home.hero_cta_page = pages[data["hero_cta_page"]]
    home.links = [
        ("link", {"label": link["label"], "page": pages[link["page"]], "url": ""})
        for link in data["links"]
    ]
    home.save_revision().publish()
    report(True, "home page links")


def ensure_settings(home: HomePage, legal_pages: dict[str, Page], report: Report) -> None:
    """The site settings, with the footer's links to `legal_pages` ("privacy", "cookies",
    "impressum"); fills only fields that are empty."""
    data = content()
    site_settings = SiteSettings.for_site(Site.objects.get(root_page=home))
    defaults = {
        "creator_name": data["creator"],
        **data["settings"],
        "privacy_policy_page": legal_pages["privacy"],
        "cookie_policy_page": legal_pages["cookies"],
        "impressum_page": legal_pages["impressum"],
    }
    changed = False
    for field, value in defaults.items():
        if not getattr(site_settings, field):
            setattr(site_settings, field, value)
            changed = True
    site_settings.save()
    report(changed, "site settings (footer legal links)")
