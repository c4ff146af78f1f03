"""Settings as a fresh interpreter reads them from a given environment: settings are read once
per process, and the suite's own process runs with website.settings.test."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOWN = [
    "DEBUG",
    "DATABASES",
    "CACHES",
    "TASKS",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "EMAIL_BACKEND",
    "MAILCHIMP_API_KEY",
    "MAILCHIMP_API_URL",
    "MAILCHIMP_WEBHOOK_SECRET",
    "RECAPTCHA_PUBLIC_KEY",
    "SECRET_KEY",
]
# Variables from the contract; the tests start from an environment without any of them.
CONTRACT_VARIABLES = [
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "MAILCHIMP_API_KEY",
    "MAILCHIMP_AUDIENCE_ID",
    "MAILCHIMP_API_URL",
    "MAILCHIMP_WEBHOOK_SECRET",
    "RECAPTCHA_PUBLIC_KEY",
    "RECAPTCHA_PRIVATE_KEY",
    "EMAIL_URL",
    "EMAIL_HOST",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
]


def clean_env(**overrides: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in CONTRACT_VARIABLES}
    env.update(overrides)
    return env


def load_settings(module: str, names=tuple(SHOWN), **env: str) -> dict:
    """The values of `names` in settings `module`, read in a fresh interpreter with `env`."""
    code = (
        "import json, importlib; "
        f"s = importlib.import_module({module!r}); "
        f"print(json.dumps({{k: getattr(s, k, None) for k in {list(names)!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)
