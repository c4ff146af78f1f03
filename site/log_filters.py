"""Log filters of the whole site (`website.log_filters`): no secret ends up in a log file.

Mailchimp's webhook authenticates by a secret in its URL path (Mailchimp signs nothing), and
Django's own loggers write request paths: "Not Found: <path>" and "Bad Request: <path>" on
`django.request`, the request line on `django.server`. gunicorn's access and error logs use
the same rule through `website.gunicorn_conf`. Importable without Django settings.
"""

import logging
import re

# The segment after .../webhooks/mailchimp/, whatever the mount point and however malformed.
WEBHOOK_SECRET = re.compile(r"(/webhooks/mailchimp/)[^/?#\s\"']+", re.IGNORECASE)
MASK = r"\1***"


def mask_webhook_secret(text: str) -> str:
    """`text` with the Mailchimp webhook's path secret replaced by ***."""
    return WEBHOOK_SECRET.sub(MASK, text)


class MaskWebhookSecret(logging.Filter):
    """Rewrites a record's message so that no handler (files, stdout, pytest's capture)
    sees the webhook secret. Put it on the loggers that write paths, so every handler gets
    the masked record, and on the handlers as a catch-all for any other logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):  # malformed: logging reports it itself
            return True
        masked = mask_webhook_secret(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
