"""Erase everything held about an e-mail address (GDPR Art. 17), here and in Mailchimp."""

import sys

from django.core.management.base import BaseCommand, CommandError

from newsletter.models import DataRequest
from newsletter.privacy.erasure import erase_personal_data
from newsletter.privacy.export import export_counts, export_personal_data
from newsletter.privacy.log import NOTHING_HELD, describe_outcome


class Command(BaseCommand):
    help = (
        "Erase everything held about an e-mail address, keep a keyed hash against re-import "
        "and queue the permanent deletion in Mailchimp; the request is logged."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--yes", action="store_true", help="Erase without asking.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Never ask; without --yes this erases nothing.",
        )

    def handle(self, *args, email, yes=False, interactive=True, **options):
        data = export_personal_data(email)
        if data is None:  # nothing to erase, so nothing to confirm: log it and say so
            erase_personal_data(email, source=DataRequest.Source.COMMAND)
            self.stdout.write(NOTHING_HELD)
            return
        if not yes:
            # An irreversible step: without a person at a terminal to say yes, do nothing.
            if not interactive or not sys.stdin.isatty():
                raise CommandError("Not erased: confirm with --yes when running without input.")
            counts = ", ".join(f"{key} {n}" for key, n in export_counts(data).items() if n)
            self.stdout.write(f"Held about {email}: {counts}.")
            answer = input("Erase it all, here and in Mailchimp? This cannot be undone. [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                self.stdout.write("Nothing erased.")
                return
        logged = erase_personal_data(email, source=DataRequest.Source.COMMAND)
        self.stdout.write(f"Erased. {describe_outcome(logged)}")
