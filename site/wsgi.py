"""WSGI entry point for gunicorn: `gunicorn website.wsgi` (production settings by default)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "website.settings.base")

application = get_wsgi_application()
