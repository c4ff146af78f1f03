"""Demo content for a fictional creator; safe to run any number of times.

Every step looks for what it would create (by page type and slug) and leaves existing content
alone, so an editor's changes survive `make run` restarts.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.models import Page, Site
from wagtail.rich_text import RichText

from website.models import ContactFormField, ContactPage, HomePage, SiteSettings, StandardPage

CREATOR = "Ilka Sommer"

HOME = {
    "title": "Home",
    "hero_heading": "Drawing a little every day, and writing about it",
    "hero_text": (
        "I am Ilka Sommer, an illustrator in Leipzig. Every second Sunday I send "
        "“Margin Notes”: one sketchbook page, the story behind it and a small exercise "
        "you can try in ten minutes."
    ),
    "hero_cta_label": "Read about the letter",
    "about_heading": "About Ilka",
    "about_body": (
        "<p>I draw buildings, kitchen tables and the people at the next café table, mostly "
        "with a fountain pen and a single grey wash. After twelve years of client work I "
        "started sharing the unpolished pages too, because that is where the learning "
        "happens.</p><p>This site collects those pages, the exercises that came out of "
        "them and a free starter guide for anyone who wants a daily drawing habit that "
        "survives a busy week.</p>"
    ),
}

ABOUT_BODY = [
    ("heading", "How I work"),
    (
        "paragraph",
        RichText(
            "<p>Most drawings on this site start as a five-minute sketch on the tram. A few "
            "grow into finished pieces; most stay as they are. I keep both, because the "
            "quick ones show the decisions better than the finished ones do.</p>"
        ),
    ),
    ("heading", "What you will find here"),
    (
        "paragraph",
        RichText(
            "<ul><li>Sketchbook pages with notes on materials and mistakes</li>"
            "<li>Short exercises for observation, line and tone</li>"
            "<li>The fortnightly letter and its archive</li></ul>"
        ),
    ),
]

# Pages that later parts of the product turn into legal pages and sign-up forms. Until then
# they are honest standard pages, so the footer and menu have somewhere to point.
PLACEHOLDERS = [
    {
        "slug": "newsletter",
        "title": "Newsletter",
        "intro": "Margin Notes arrives every second Sunday: one page, one story, one exercise.",
        "show_in_menus": True,
    },
    {
        "slug": "starter-guide",
        "title": "Free starter guide",
        "intro": "Ten prompts for a drawing habit that survives a busy week, as a printable guide.",
        "show_in_menus": True,
    },
    {
        "slug": "privacy",
        "title": "Privacy policy",
        "intro": "How this site handles personal data. Questions: privacy@ilka-sommer.example.",
        "show_in_menus": False,
    },
    {
        "slug": "cookies",
        "title": "Cookie policy",
        "intro": "Which cookies this site sets, why, and how to change your choice.",
        "show_in_menus": False,
    },
    {
        "slug": "impressum",
        "title": "Impressum",
        "intro": "Legal notice: who is responsible for this site.",
        "show_in_menus": False,
    },
]


class Command(BaseCommand):
    help = "Load the demo site (home, about, contact and legal/sign-up pages); idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        home = self.ensure_home()
        self.ensure_about(home)
        self.ensure_contact(home)
        placeholders = {spec["slug"]: self.ensure_placeholder(home, spec) for spec in PLACEHOLDERS}
        self.ensure_home_links(home, placeholders)
        self.ensure_settings(home, placeholders)
        self.stdout.write(self.style.SUCCESS("Demo content ready."))

    # --- steps ------------------------------------------------------------------------------

    def report(self, created: bool, what: str) -> None:
        verb = "created" if created else "kept existing"
        self.stdout.write(f"  {verb} {what}")

    def ensure_home(self) -> HomePage:
        home = HomePage.objects.first()
        if home is not None:
            self.report(False, f"home page '{home.title}'")
            return home
        root = Page.get_first_root_node()
        # Wagtail's "Welcome to your new Wagtail site!" page sits where the home page goes.
        for welcome in root.get_children().filter(content_type__model="page"):
            welcome.delete()
        home = HomePage(slug="home", **HOME)
        home.about_body = HOME["about_body"]
        root.add_child(instance=home)
        home.save_revision().publish()
        # The default site answers on the address the admin and mails use for absolute links.
        base_url = urlsplit(settings.WAGTAILADMIN_BASE_URL)
        site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
        site.hostname = base_url.hostname or "localhost"
        site.port = base_url.port or (443 if base_url.scheme == "https" else 80)
        site.root_page = home
        site.site_name = CREATOR
        site.save()
        self.report(True, "home page")
        return home

    def ensure_about(self, home: HomePage) -> None:
        if home.get_children().filter(slug="about").exists():
            self.report(False, "about page")
            return
        about = StandardPage(
            title="About",
            slug="about",
            show_in_menus=True,
            intro="Illustrator, sketchbook keeper, writer of a small fortnightly letter.",
            body=ABOUT_BODY,
        )
        home.add_child(instance=about)
        about.save_revision().publish()
        self.report(True, "about page")

    def ensure_contact(self, home: HomePage) -> None:
        if ContactPage.objects.child_of(home).exists():
            self.report(False, "contact page")
            return
        contact = ContactPage(
            title="Contact",
            slug="contact",
            show_in_menus=True,
            intro=(
                "<p>Commissions, workshop requests or a question about an exercise: "
                "write a few lines and I will answer within a week.</p>"
            ),
            thank_you_text="<p>Thank you. Your message is here and I will reply soon.</p>",
        )
        contact.form_fields = [
            ContactFormField(
                sort_order=0, label="Your name", field_type="singleline", required=True
            ),
            ContactFormField(
                sort_order=1, label="Your e-mail address", field_type="email", required=True
            ),
            ContactFormField(sort_order=2, label="Message", field_type="multiline", required=True),
        ]
        home.add_child(instance=contact)
        contact.save_revision().publish()
        self.report(True, "contact page (form builder, submissions stored)")

    def ensure_placeholder(self, home: HomePage, spec: dict) -> Page:
        existing = home.get_children().filter(slug=spec["slug"]).first()
        if existing is not None:
            self.report(False, f"'{existing.title}' page")
            return existing
        page = StandardPage(**spec)
        home.add_child(instance=page)
        page.save_revision().publish()
        self.report(True, f"'{page.title}' page")
        return page

    def ensure_home_links(self, home: HomePage, placeholders: dict[str, Page]) -> None:
        if home.links or home.hero_cta_page_id:
            return
        home.hero_cta_page = placeholders["newsletter"]
        home.links = [
            (
                "link",
                {
                    "label": "Get the free starter guide",
                    "page": placeholders["starter-guide"],
                    "url": "",
                },
            ),
            (
                "link",
                {
                    "label": "Read about my way of working",
                    "page": home.get_children().get(slug="about"),
                    "url": "",
                },
            ),
            (
                "link",
                {
                    "label": "Write to me",
                    "page": ContactPage.objects.child_of(home).first(),
                    "url": "",
                },
            ),
        ]
        home.save_revision().publish()
        self.report(True, "home page links")

    def ensure_settings(self, home: HomePage, placeholders: dict[str, Page]) -> None:
        site = Site.objects.get(root_page=home)
        site_settings = SiteSettings.for_site(site)
        defaults = {
            "creator_name": CREATOR,
            "tagline": "Illustration, sketchbooks and a fortnightly letter about drawing daily.",
            "footer_text": "Drawn and written in Leipzig.",
            "privacy_policy_page": placeholders["privacy"],
            "cookie_policy_page": placeholders["cookies"],
            "impressum_page": placeholders["impressum"],
        }
        changed = False
        for field, value in defaults.items():
            if not getattr(site_settings, field):
                setattr(site_settings, field, value)
                changed = True
        site_settings.save()
        self.report(changed, "site settings (footer legal links)")
