"""Export everything held about an e-mail address as JSON (GDPR Art. 15, 20)."""

import json
import os

from django.core.management.base import BaseCommand

from newsletter.models import DataRequest
from newsletter.privacy.export import access_personal_data
from newsletter.privacy.log import NOTHING_HELD


class Command(BaseCommand):
    help = "Export everything held about an e-mail address as JSON; the request is logged."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--output", help="Write the JSON to this file instead of stdout.")

    def handle(self, *args, email, output=None, **options):
        data, _logged = access_personal_data(email, source=DataRequest.Source.COMMAND)
        if data is None:
            self.stdout.write(NOTHING_HELD)
            return
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        if not output:
            self.stdout.write(text, ending="")
            return
        # Personal data: readable by the owner only, whatever the umask.
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        self.stderr.write(f"Written to {output}.")
