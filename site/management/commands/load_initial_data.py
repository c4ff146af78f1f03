"""Demo content for a fictional creator; safe to run any number of times.

Every step looks for what it would create (by page type and slug) and leaves existing content
alone, so an editor's changes survive `make run` restarts.
"""

from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from cookie_consent.models import Cookie, CookieGroup
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    GroupApprovalTask,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)
from wagtail.rich_text import RichText

from leadmagnets.models import LeadMagnetPage
from legal.consent import STATE_COOKIE, cookie_name
from legal.models import ImpressumPage, LegalKind, PolicyPage, ServiceCookie, ThirdPartyService
from newsletter.models import NewsletterSettings, NewsletterTopic
from website.demo import legal_texts
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

# Pages that later parts of the product turn into sign-up forms. Until then they are honest
# standard pages, so the menu has somewhere to point.
PLACEHOLDERS = [
    {
        "slug": "newsletter",
        "title": "Newsletter",
        "intro": "Margin Notes arrives every second Sunday: one page, one story, one exercise.",
        "show_in_menus": True,
        "body": [
            (
                "newsletter_signup",
                {
                    "heading": "Get Margin Notes",
                    "intro": "Every second Sunday, free, no spam. Unsubscribe in one click.",
                    "consent_text": "Yes, send me Margin Notes every second Sunday. I can "
                    "unsubscribe at any time with the link in every mail. Details are in the "
                    "privacy policy.",
                    "show_last_name": False,
                    "require_last_name": False,
                    "show_phone": False,
                    "require_phone": False,
                    "button_label": "Sign up",
                },
            )
        ],
    },
]


# The consent categories. Cookies of the tracking services are declared on each service
# (legal_texts.SERVICES); the site's own necessary cookies are declared on the category.
COOKIE_GROUPS = [
    {
        "varname": "necessary",
        "name": "Necessary",
        "description": "Keep the site secure and remember your cookie choice. Always on.",
        "is_required": True,
        "cookies": [
            ("csrftoken", "", "Protects forms against cross-site request forgery. 1 year."),
            # Named as browsers will store them: `__Host-…` where consent cookies are Secure.
            (
                cookie_name(STATE_COOKIE),
                "",
                "Remembers your cookie choice (signed). Up to 12 months.",
            ),
            (
                cookie_name(settings.COOKIE_CONSENT_NAME),
                "",
                "Remembers your choice per category. Up to 12 months.",
            ),
            ("sessionid", "", "Keeps editors signed in to the admin. 2 weeks."),
        ],
    },
    {
        "varname": "preferences",
        "name": "Preferences",
        "description": "Remember settings you choose, such as a layout. None are used yet.",
        "is_required": False,
        "cookies": [],
    },
    {
        "varname": "statistics",
        "name": "Statistics",
        "description": "Count visits and see which pages help readers (Google Analytics 4).",
        "is_required": False,
        "cookies": [],
    },
    {
        "varname": "marketing",
        "name": "Marketing",
        "description": "Measure ads and show relevant ones elsewhere (Google Tag Manager, Meta "
        "Pixel).",
        "is_required": False,
        "cookies": [],
    },
]


# Topics readers can choose in the preference centre (synced as tags topic:<slug> until an
# editor enters Mailchimp interest ids).
NEWSLETTER_TOPICS = [
    {
        "slug": "studio-notes",
        "name": "Studio notes",
        "description": "What is on the drawing table: materials, mistakes, work in progress.",
    },
    {
        "slug": "new-guides",
        "name": "New guides",
        "description": "A short note when a new free guide or exercise sheet is ready.",
    },
    {
        "slug": "drawing-walks",
        "name": "Drawing walks",
        "description": "Dates of sketching walks in Leipzig and online sessions.",
    },
]


def first_of_month(months_ago: int) -> date:
    """The first day of the month `months_ago` months before the demo is loaded: relative
    dates keep the demo's versions in force (and months apart) whatever day it is loaded on."""
    today = timezone.localdate()
    month = today.year * 12 + today.month - 1 - months_ago
    return date(month // 12, month % 12 + 1, 1)


class Command(BaseCommand):
    help = (
        "Load the demo site (home, about, contact, legal pages with versions, services "
        "registry); idempotent."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        home = self.ensure_home()
        self.ensure_about(home)
        self.ensure_contact(home)
        placeholders = {spec["slug"]: self.ensure_placeholder(home, spec) for spec in PLACEHOLDERS}
        placeholders["starter-guide"] = self.ensure_lead_magnet(home)
        self.ensure_home_links(home, placeholders)
        self.ensure_cookie_groups()
        self.ensure_services()
        legal_pages = {
            "privacy": self.ensure_privacy_policy(home),
            "cookies": self.ensure_policy(
                home, "cookies", "Cookie policy", legal_texts.COOKIE_POLICY
            ),
            "impressum": self.ensure_impressum(home),
        }
        self.ensure_legal_review_workflow(legal_pages.values())
        self.ensure_settings(home, legal_pages)
        self.ensure_footer_signup(home)
        self.ensure_newsletter_topics()
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

    def ensure_lead_magnet(self, home: HomePage) -> LeadMagnetPage:
        """The free starter guide: its file sits in a collection only signed-in editors can
        open, so the download links of confirmed readers are the only way to it."""
        existing = self.page_slot(home, "starter-guide", LeadMagnetPage)
        if existing is not None:
            self.report(False, "lead magnet 'Free starter guide'")
            return existing
        root = Collection.get_first_root_node()
        collection = Collection.objects.filter(name="Lead magnet resources").first()
        if collection is None:
            collection = root.add_child(name="Lead magnet resources")
            CollectionViewRestriction.objects.create(
                collection=collection, restriction_type=CollectionViewRestriction.LOGIN
            )
        guide = Path(__file__).resolve().parents[2] / "demo" / "files" / "starter-guide.txt"
        document = Document(title="Starter guide: ten prompts", collection=collection)
        document.file.save("starter-guide.txt", ContentFile(guide.read_bytes()), save=False)
        document.save()
        page = LeadMagnetPage(
            title="Free starter guide",
            slug="starter-guide",
            show_in_menus=True,
            teaser="Ten prompts for a drawing habit that survives a busy week: small, "
            "concrete, and each done in ten minutes. Printable, free, yours to keep.",
            resource=document,
            newsletter_consent_text="Also send me Margin Notes every second Sunday (optional).",
            thank_you_text="<p>Enjoy the prompts. Tell me which one you liked best.</p>",
        )
        home.add_child(instance=page)
        page.save_revision().publish()
        self.report(True, "lead magnet 'Free starter guide' (private document)")
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

    def ensure_services(self) -> None:
        """The services registry, with the tracking services in their consent categories
        (placeholder ids: nothing is sent anywhere until real ids are entered)."""
        for order, spec in enumerate(legal_texts.SERVICES):
            spec = dict(spec)
            consent = spec.pop("consent", None)
            service = ThirdPartyService.objects.filter(name=spec["name"]).first()
            if service is not None:
                self.report(False, f"third-party service '{spec['name']}'")
                continue
            service = ThirdPartyService(**spec, sort_order=order)
            if consent:
                service.cookie_group = CookieGroup.objects.get(varname=consent["category"])
                service.service_type = consent["service_type"]
                service.tracking_id = consent["tracking_id"]
                service.local_storage_keys = consent["storage"]
                service.cookies = [
                    ServiceCookie(name=name, domain=domain, lifetime=lifetime, purpose=purpose)
                    for name, domain, lifetime, purpose in consent["cookies"]
                ]
            service.full_clean()
            service.save()
            self.report(True, f"third-party service '{spec['name']}'")

    def ensure_cookie_groups(self) -> None:
        """The consent manager's categories and the cookies the demo services set."""
        for order, spec in enumerate(COOKIE_GROUPS):
            group, created = CookieGroup.objects.get_or_create(
                varname=spec["varname"],
                defaults={
                    "name": spec["name"],
                    "description": spec["description"],
                    "is_required": spec["is_required"],
                    "ordering": order,
                },
            )
            for name, domain, description in spec["cookies"]:
                Cookie.objects.get_or_create(
                    cookiegroup=group,
                    name=name,
                    domain=domain,
                    defaults={"description": description},
                )
            self.report(created, f"cookie group '{spec['name']}'")

    def page_slot(self, home: HomePage, slug: str, page_class) -> Page | None:
        """The existing page of the right type at `slug`, or None after removing an older
        demo's placeholder standard page there."""
        existing = home.get_children().filter(slug=slug).first()
        if existing is None:
            return None
        if isinstance(existing.specific, page_class):
            return existing.specific
        if isinstance(existing.specific, StandardPage):
            existing.delete()
            return None
        raise CommandError(f"/{slug}/ is taken by a {existing.specific_class.__name__}.")

    def ensure_privacy_policy(self, home: HomePage) -> PolicyPage:
        page = self.page_slot(home, "privacy", PolicyPage)
        if page is not None:
            self.report(False, "privacy policy")
            return page
        page = PolicyPage(
            title="Privacy policy",
            slug="privacy",
            kind=LegalKind.PRIVACY,
            intro="How this site handles personal data, in plain words.",
            version_label="1.0",
            effective_date=first_of_month(9),
            body=legal_texts.PRIVACY_V1,
        )
        home.add_child(instance=page)
        page.save_revision().publish()
        page = PolicyPage.objects.get(pk=page.pk)
        page.body = legal_texts.PRIVACY_V2
        page.version_label = "2.0"
        page.effective_date = first_of_month(3)
        page.is_material_change = True
        page.change_summary = legal_texts.PRIVACY_V2_SUMMARY
        page.save_revision().publish()
        self.report(True, "privacy policy with versions 1.0 and 2.0 (material change)")
        return page

    def ensure_policy(self, home: HomePage, slug: str, title: str, body) -> PolicyPage:
        page = self.page_slot(home, slug, PolicyPage)
        if page is not None:
            self.report(False, title.lower())
            return page
        page = PolicyPage(
            title=title,
            slug=slug,
            kind=slug,
            version_label="1.0",
            effective_date=first_of_month(9),
            body=body,
        )
        home.add_child(instance=page)
        page.save_revision().publish()
        self.report(True, f"{title.lower()} (version 1.0)")
        return page

    def ensure_impressum(self, home: HomePage) -> ImpressumPage:
        page = self.page_slot(home, "impressum", ImpressumPage)
        if page is not None:
            self.report(False, "impressum")
            return page
        page = ImpressumPage(
            title="Impressum",
            slug="impressum",
            version_label="1.0",
            effective_date=first_of_month(9),
            contact_form_page=ContactPage.objects.child_of(home).first(),
            **legal_texts.IMPRESSUM,
        )
        missing = page.mandatory_field_errors()
        if missing:
            raise CommandError(f"Demo impressum is incomplete: {missing}")
        home.add_child(instance=page)
        page.save_revision().publish()
        self.report(True, "impressum (version 1.0, every mandatory field)")
        return page

    def ensure_legal_review_workflow(self, pages) -> None:
        """A 'Legal review' workflow: a member of the Legal group approves each change."""
        group, _ = Group.objects.get_or_create(name="Legal")
        if not GroupPagePermission.objects.filter(group=group).exists():
            home = HomePage.objects.first()
            for codename in ("add_page", "change_page", "publish_page"):
                GroupPagePermission.objects.create(
                    group=group,
                    page=home,
                    permission=Permission.objects.get(
                        content_type__app_label="wagtailcore", codename=codename
                    ),
                )
            group.permissions.add(Permission.objects.get(codename="access_admin"))
        task, _ = GroupApprovalTask.objects.get_or_create(name="Legal review")
        task.groups.add(group)
        workflow, created = Workflow.objects.get_or_create(name="Legal review")
        if created:
            WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        for page in pages:
            WorkflowPage.objects.get_or_create(page=page, defaults={"workflow": workflow})
        self.report(created, "'Legal review' workflow on the legal pages")

    def ensure_footer_signup(self, home: HomePage) -> None:
        site_newsletter = NewsletterSettings.for_site(Site.objects.get(root_page=home))
        if site_newsletter.footer_signup:
            self.report(False, "footer sign-up form")
            return
        site_newsletter.footer_signup = [
            (
                "newsletter_signup",
                {
                    "heading": "Margin Notes, every second Sunday",
                    "intro": "",
                    "consent_text": "Yes, send me Margin Notes. I can unsubscribe at any time "
                    "with one click. Details are in the privacy policy.",
                    "show_last_name": False,
                    "require_last_name": False,
                    "show_phone": False,
                    "require_phone": False,
                    "button_label": "Sign up",
                },
            )
        ]
        site_newsletter.save()
        self.report(True, "footer sign-up form")

    def ensure_newsletter_topics(self) -> None:
        for order, spec in enumerate(NEWSLETTER_TOPICS):
            _topic, created = NewsletterTopic.objects.get_or_create(
                slug=spec["slug"], defaults={**spec, "sort_order": order}
            )
            self.report(created, f"newsletter topic '{spec['name']}'")

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
