"""Create the demo editor account once and print how to log in (used by `make run`).

`make run` passes the address it serves on (`BIND`, the same `--bind` as `serve`), so the admin
address printed is the one being served; without `--bind`, WAGTAILADMIN_BASE_URL's.
"""

import json
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from .serve import address_url

USERNAME = "editor"


class Command(BaseCommand):
    help = "Create the 'editor' superuser with a generated password (once) and print the login."

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind",
            help="host:port the site is served on (`serve --bind`); default: the address "
            "in WAGTAILADMIN_BASE_URL",
        )

    def handle(self, *args, **options):
        credentials_file = settings.VAR_DIR / "demo-editor.json"
        User = get_user_model()
        user = User.objects.filter(username=USERNAME).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(
                username=USERNAME,
                email="editor@example.com",
                password=password,
                first_name="Demo",
                last_name="Editor",
            )
            credentials_file.parent.mkdir(parents=True, exist_ok=True)
            credentials_file.write_text(json.dumps({"username": USERNAME, "password": password}))
            credentials_file.chmod(0o600)
        elif credentials_file.exists():
            password = json.loads(credentials_file.read_text())["password"]
            if not user.check_password(password):
                password = None
        else:
            password = None

        base_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        served_url = address_url(options["bind"]) if options["bind"] else base_url
        admin_url = served_url + "/admin/"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Admin:    {admin_url}"))
        self.stdout.write(self.style.SUCCESS(f"Username: {USERNAME}"))
        if password:
            self.stdout.write(self.style.SUCCESS(f"Password: {password}"))
            self.stdout.write(f"(kept in {credentials_file}, readable only by you)")
        else:
            self.stdout.write(
                "Password: the one you set (reset it with "
                f"`.venv/bin/python manage.py changepassword {USERNAME}`)"
            )
        if served_url != base_url:
            # Links in mails (confirmations, downloads) are built from the base URL.
            self.stdout.write(
                f"Links in e-mails point to {base_url}/ (WAGTAILADMIN_BASE_URL): set it to "
                f"the site's public address, e.g. {served_url}"
            )
        self.stdout.write("")
