"""The Mailchimp webhook's path secret is masked in every log: gunicorn's and Django's."""

import datetime
import logging
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from website import gunicorn_conf
from website.log_filters import MaskWebhookSecret, mask_webhook_secret

SECRET = "s3cret-Path-Segment_0123456789"


@pytest.mark.parametrize(
    "text,masked",
    [
        (
            f"/newsletter/webhooks/mailchimp/{SECRET}/",
            "/newsletter/webhooks/mailchimp/***/",
        ),
        (
            f'POST /newsletter/webhooks/mailchimp/{SECRET}/?x=1 HTTP/1.1" 404',
            'POST /newsletter/webhooks/mailchimp/***/?x=1 HTTP/1.1" 404',
        ),
        # No trailing slash (before APPEND_SLASH redirects), another mount point, any case.
        (f"/webhooks/mailchimp/{SECRET}", "/webhooks/mailchimp/***"),
        (f"/en/NEWSLETTER/Webhooks/Mailchimp/{SECRET}/", "/en/NEWSLETTER/Webhooks/Mailchimp/***/"),
        ("/newsletter/signup/", "/newsletter/signup/"),
        ("/newsletter/webhooks/mailchimp/", "/newsletter/webhooks/mailchimp/"),
    ],
)
def test_the_mask_replaces_the_segment_after_webhooks_mailchimp(text, masked):
    assert mask_webhook_secret(text) == masked


# --- gunicorn -----------------------------------------------------------------------------------


@pytest.fixture
def gunicorn_logger():
    """gunicorn's logger as `gunicorn -c python:website.gunicorn_conf` sets it up: every
    setting of the module applied the way gunicorn applies a config module."""
    cfg = Config()
    for name, value in vars(gunicorn_conf).items():
        if name in cfg.settings:
            cfg.set(name, value)
    logger = cfg.logger_class(cfg)
    lines = []

    class Capture(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    capture = Capture()
    logger.access_log.addHandler(capture)
    logger.error_log.addHandler(capture)
    yield logger, lines
    logger.access_log.removeHandler(capture)
    logger.error_log.removeHandler(capture)


def webhook_request(path=f"/newsletter/webhooks/mailchimp/{SECRET}/"):
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "198.51.100.7",
        "HTTP_USER_AGENT": "MailChimp",
        "HTTP_REFERER": f"https://example.com{path}",
    }
    resp = SimpleNamespace(status="404 Not Found", sent=9, headers=[("Content-Length", "9")])
    req = SimpleNamespace(headers=[("USER-AGENT", "MailChimp")])
    return resp, req, environ, datetime.timedelta(microseconds=1234)


def test_gunicorn_conf_uses_the_masking_logger(gunicorn_logger):
    logger, _lines = gunicorn_logger
    assert isinstance(logger, gunicorn_conf.MaskedSecretLogger)


def test_gunicorn_access_log_atoms_hold_no_webhook_secret(gunicorn_logger):
    logger, _lines = gunicorn_logger
    atoms = logger.atoms(*webhook_request())
    assert atoms["r"] == "POST /newsletter/webhooks/mailchimp/***/ HTTP/1.1"
    assert atoms["U"] == "/newsletter/webhooks/mailchimp/***/"
    assert atoms["f"] == "https://example.com/newsletter/webhooks/mailchimp/***/"
    assert atoms["{raw_uri}e"] == "/newsletter/webhooks/mailchimp/***/"
    assert not [key for key, value in atoms.items() if SECRET in str(value)]
    assert atoms["s"] == "404" and atoms["D"] == 1234  # the others as gunicorn's own


def test_gunicorn_access_log_line_masks_the_secret(gunicorn_logger):
    logger, lines = gunicorn_logger
    logger.access(*webhook_request())
    assert lines == [
        '198.51.100.7 "POST /newsletter/webhooks/mailchimp/***/ HTTP/1.1" 404 9 1234us '
        '"https://example.com/newsletter/webhooks/mailchimp/***/" "MailChimp"'
    ]


def test_gunicorn_access_log_line_is_unchanged_elsewhere(gunicorn_logger):
    logger, lines = gunicorn_logger
    logger.access(*webhook_request("/newsletter/signup/"))
    assert lines[0].startswith('198.51.100.7 "POST /newsletter/signup/ HTTP/1.1" 404')


def test_gunicorn_error_log_masks_the_secret(gunicorn_logger):
    logger, lines = gunicorn_logger
    try:
        raise OSError("client went away")
    except OSError:
        # What gunicorn's workers log when handling a request fails (workers/base.py).
        logger.exception("Error handling request %s", f"/newsletter/webhooks/mailchimp/{SECRET}/")
    assert lines[0].startswith("Error handling request /newsletter/webhooks/mailchimp/***/\n")
    assert SECRET not in "".join(lines)


# --- Django ------------------------------------------------------------------------------------


def test_djangos_request_logger_masks_the_secret(caplog):
    logging.getLogger("django.request").warning(
        "Not Found: %s", f"/newsletter/webhooks/mailchimp/{SECRET}/"
    )
    assert caplog.records[-1].getMessage() == "Not Found: /newsletter/webhooks/mailchimp/***/"
    assert SECRET not in caplog.text


def test_runservers_request_lines_mask_the_secret():
    server = logging.getLogger("django.server")
    assert not server.propagate and server.handlers  # runserver's lines are still written
    records = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(record)

    capture = Capture()
    server.addHandler(capture)
    try:
        request_line = f"POST /newsletter/webhooks/mailchimp/{SECRET}/ HTTP/1.1"
        server.info('"%s" %s %s', request_line, "404", "9")  # as runserver writes it
    finally:
        server.removeHandler(capture)
    assert records[0].getMessage() == '"POST /newsletter/webhooks/mailchimp/***/ HTTP/1.1" 404 9'


def test_the_console_handler_masks_any_other_logger():
    console = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    assert any(isinstance(f, MaskWebhookSecret) for h in console for f in h.filters)
    path = f"/webhooks/mailchimp/{SECRET}/"
    record = logging.LogRecord("any", logging.WARNING, __file__, 1, "saw %s", (path,), None)
    MaskWebhookSecret().filter(record)
    assert record.getMessage() == "saw /webhooks/mailchimp/***/"
