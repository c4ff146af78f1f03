"""Delete and clear what is past its retention period; safe to run from cron, daily.

Idempotent (every rule selects by age alone), asks nothing, prints one line per category
and exits non-zero only when something failed.
"""

from django.core.management.base import BaseCommand

from newsletter.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Apply the retention periods: unconfirmed sign-ups (NEWSLETTER_UNCONFIRMED_DAYS), "
        "confirmation request metadata (REQUEST_METADATA_DAYS), the consent ledger "
        "(CONSENT_RECORD_RETENTION_DAYS), sync history (SYNC_HISTORY_RETENTION_DAYS), "
        "Mailchimp webhook events (WEBHOOK_EVENT_RETENTION_DAYS) and unconfirmed privacy "
        "requests (7 days)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what is due; change nothing."
        )

    def handle(self, *args, dry_run, **options):
        for outcome in apply_retention(dry_run=dry_run):
            self.stdout.write(outcome.line)
