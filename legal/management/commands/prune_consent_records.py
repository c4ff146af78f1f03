"""Delete consent records older than the retention period; safe to run from cron."""

from django.conf import settings
from django.core.management.base import BaseCommand

from legal.consent import prune_records


class Command(BaseCommand):
    help = "Delete consent records older than CONSENT_RECORD_RETENTION_DAYS (or --days)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.CONSENT_RECORD_RETENTION_DAYS)

    def handle(self, *args, days, **options):
        deleted = prune_records(days)
        self.stdout.write(f"Deleted {deleted} consent record(s) older than {days} days.")
