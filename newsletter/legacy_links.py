"""TEMPORARY: unsubscribe and preference links in the format mailed before newsletter
migration 0007, which name the contact by its database id (`{"c": 1}`) instead of its
random `link_key`.

Those links have no expiry and sit in inboxes for years, and leaving must keep working for
everybody who once got one (GDPR Art. 7(3): withdrawing as easy as consenting; Art. 21(3):
no more marketing after an objection). So they are still honoured, read by the functions
below and nowhere else. Their signature makes them as unforgeable as the new ones; their
flaw is the id they show, and no mail carries one any more. Each use is logged as "legacy
… link used", without the id.

Delete this module, and its two callers in `unsubscribe.py` and `preferences.py`, once that
line has not appeared in the logs for twelve months. Not before: an unsubscribe token that
no longer reads answers like any other (the page never tells valid from invalid), so a
removed reader would fail silently for the person trying to leave.

Download and privacy-request links of the old format are not read here: they expired
within days (`LEADMAGNET_DOWNLOAD_DAYS`, `REQUEST_LINK_DAYS`), so they simply end on the
page that says the link has expired and how to get a fresh one.
"""

import logging

from .links import read_token

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "newsletter.unsubscribe.v1"
PREFERENCES_SALT = "newsletter.preferences.v1"


def _contact_id_payload(token: str, salt: str) -> dict | None:
    # Undated like the links of today; no string keys: the contact id is checked here.
    data = read_token(token, salt, keys=())
    # `type(...) is int`: JSON's true is no contact id.
    if data is None or type(data.get("c")) is not int:
        return None
    return data


def read_legacy_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(contact id, purpose) of an old-format unsubscribe link, or None."""
    data = _contact_id_payload(token, UNSUBSCRIBE_SALT)
    if data is None or not isinstance(data.get("p"), str):
        return None
    logger.info("legacy unsubscribe link used")
    return data["c"], data["p"]


def read_legacy_preferences_token(token: str) -> int | None:
    """The contact id of an old-format preference-centre link, or None."""
    data = _contact_id_payload(token, PREFERENCES_SALT)
    if data is None:
        return None
    logger.info("legacy preferences link used")
    return data["c"]
