"""Compare the Mailchimp audience with the contacts here and fix what differs; run nightly.

The work is `newsletter.reconcile`'s; this command takes the options and prints the progress
page by page, each contact's difference (with -v 2) and the summary.
"""

from django.core.management.base import BaseCommand, CommandError

from newsletter.reconcile import Page, ReconcileError, Reconciliation

# The summary's parts: (count key, label), in this order.
SUMMARY = [
    ("unsubscribed here", "unsubscribed here"),
    ("cleaned here", "marked cleaned here"),
    ("unsubscribe queued", "unsubscribe job(s) queued for Mailchimp"),
    ("upsert queued", "upsert job(s) queued for Mailchimp"),
    ("already queued", "already queued"),
    ("left alone", "left alone"),
    ("subscribe queued", "subscribe job(s) queued for Mailchimp"),
    ("opt-in done", "synced after Mailchimp's opt-in"),
]


class Command(BaseCommand):
    help = (
        "Compare the Mailchimp audience with local contacts: apply Mailchimp's unsubscribes "
        "and bounces here, queue unsubscribes and missing members for Mailchimp."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Report the differences, change nothing."
        )
        parser.add_argument(
            "--page-size", type=int, default=500, help="Members per API call (1–1000)."
        )

    def handle(self, *args, dry_run, page_size, **options):
        reconciliation = Reconciliation(dry_run=dry_run)
        if options["verbosity"] >= 2:
            reconciliation.note = self.note
        try:
            members = reconciliation.run(page_size, on_page=self.page_done)
        except ReconcileError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.summary(reconciliation, members))

    def page_done(self, page: Page) -> None:
        self.stdout.write(
            f"Page {page.number}: members {page.offset + 1}–{page.offset + page.size} of "
            f"{page.total}, {page.differences} difference(s)."
        )

    def note(self, contact, text: str) -> None:
        # Contact ids, not addresses: cron output ends up in mailboxes and log files.
        self.stdout.write(f"  contact {contact.pk}: {text}")

    @staticmethod
    def summary(reconciliation: Reconciliation, members: int) -> str:
        counts = reconciliation.counts
        parts = ", ".join(f"{counts[key]} {label}" for key, label in SUMMARY)
        prefix = "Dry run, nothing changed: " if reconciliation.dry_run else "Done: "
        return f"{prefix}{members} Mailchimp member(s) compared; {parts}."
