"""gunicorn settings: `gunicorn -c python:website.gunicorn_conf website.wsgi`.

Each value can be overridden with gunicorn's own GUNICORN_CMD_ARGS or the variables below.
"""

import multiprocessing
import os

from gunicorn import glogging

from website.log_filters import MaskWebhookSecret, mask_webhook_secret

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: 2 per core plus one, capped so a small machine keeps memory for the worker.
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 8)))
# A request that takes longer than this is killed and logged; graceful shutdown waits as long.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then so a slow leak never grows without bound; rarely, and with a
# wide jitter, so two workers never restart together (a restart costs seconds of boot time).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 4
# Access log on stdout: client, request line, status, bytes, duration in microseconds.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(D)sus "%(f)s" "%(a)s"'
errorlog = "-"
# Send SIGHUP to the master for a graceful reload: new workers start before old ones stop.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


class MaskedSecretLogger(glogging.Logger):
    """gunicorn's logger with the Mailchimp webhook's path secret written as ***: in every
    access-log atom (request line, path, raw URI, referer, environ; whatever
    access_log_format or --access-logformat picks) and in the error log ("Error handling
    request <uri>"). Mailchimp signs nothing, so that path segment is its only credential."""

    mask = MaskWebhookSecret()

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: mask_webhook_secret(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(self.mask)  # the same filter once, also after a reload


logger_class = MaskedSecretLogger
