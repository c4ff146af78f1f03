"""Demo content for a fictional creator; safe to run any number of times.

Each app builds its own part (`<app>.demo`, content in the data files next to it); this command
only puts the steps in order and prints their progress. Every step looks for what it would
create and leaves existing content alone, so an editor's changes survive `make run` restarts.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from leadmagnets import demo as leadmagnets_demo
from legal import demo as legal_demo
from newsletter import demo as newsletter_demo
from website import demo as website_demo
from website.models import StandardPage

# What an older demo put where the legal pages and the lead magnet now go; replaced by them.
PLACEHOLDER = StandardPage


class Command(BaseCommand):
    help = (
        "Load the demo site (home, about, contact, legal pages with versions, services "
        "registry); idempotent."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        report = self.report
        home = website_demo.ensure_home(report)
        pages = {
            "about": website_demo.ensure_about(home, report),
            "contact": website_demo.ensure_contact(home, report),
            **website_demo.ensure_placeholders(home, report),
            "starter-guide": leadmagnets_demo.ensure_lead_magnet(home, report, PLACEHOLDER),
        }
        website_demo.ensure_home_links(home, pages, report)
        # Cookie groups first: services are filed under them.
        legal_demo.ensure_cookie_groups(report)
        legal_demo.ensure_services(report)
        legal_pages = {
            "privacy": legal_demo.ensure_policy(home, "privacy_policy", report, PLACEHOLDER),
            "cookies": legal_demo.ensure_policy(home, "cookie_policy", report, PLACEHOLDER),
            "impressum": legal_demo.ensure_impressum(home, pages["contact"], report, PLACEHOLDER),
        }
        legal_demo.ensure_legal_review_workflow(home, legal_pages.values(), report)
        website_demo.ensure_settings(home, legal_pages, report)
        newsletter_demo.ensure_footer_signup(home, report)
        newsletter_demo.ensure_topics(report)
        self.stdout.write(self.style.SUCCESS("Demo content ready."))

    def report(self, created: bool, what: str) -> None:
        verb = "created" if created else "kept existing"
        self.stdout.write(f"  {verb} {what}")
