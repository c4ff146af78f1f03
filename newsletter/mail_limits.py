"""At most a few mails an hour to one mailbox, whoever asks for them.

The sign-up and privacy-request forms take any address, and the per-client rate limits stop
one client, not many: without this, strangers could have the site mail someone again and
again. So every request that may mail a typed address takes one of the mailbox's
NEWSLETTER_MAILS_PER_ADDRESS slots (3), each held for the window (an hour): a sign-up's
confirmation, a resend of it, a privacy request's link. While all are taken, the request is
still stored, no mail goes out, and the visitor is told from when one can.

A slot is taken whether or not a mail then goes out: whether one does depends on what is
held about the address (someone already subscribed gets none), and a limit that counted
only mails sent would tell a stranger that. Not counted: mails that only follow a click on
a link in a counted one (a lead magnet's delivery, the copy of someone's data); each link
works once, and clicking it takes the mailbox itself.

The slots live in the limits cache, which every process shares (Redis, or files on one
machine: website.limits_cache), under a keyed hash of the mailbox, never the address.
"""

import datetime
import math
import time

from django.conf import settings
from django.utils.crypto import salted_hmac

from legal.http import limits


def mailbox(email: str) -> str:
    """The mailbox an address most likely reaches: lower-cased, without a "+tag" in the
    local part (RFC 5233 subaddresses) and without its dots (Gmail ignores them), so that
    variants of one address share its slots. Grouping more than a provider does is
    harmless for a limit: two people at one domain whose addresses differ only in a dot
    share an hour's allowance, and one of them at worst waits for the next mail; nobody
    gets a mail meant for the other."""
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0].replace(".", "")
    return f"{local}@{domain}"


def claim_mail_slot(email: str) -> datetime.datetime | None:
    """Take one of the slots of `email`'s mailbox for a mail to it. None: the mail may go.
    Otherwise every slot is taken and no mail may go before the returned time (rounded up
    to the minute it is shown in).

    A slot is a cache entry added atomically (SET NX on Redis) that expires a window after
    the mail it let through, so no window ever holds more mails than there are slots."""
    allowed, window = settings.NEWSLETTER_MAILS_PER_ADDRESS
    key = salted_hmac("newsletter.mail-limit", mailbox(email), algorithm="sha256").hexdigest()
    slots = [f"mail-limit:{key[:32]}:{number}" for number in range(allowed)]
    now = time.time()
    for slot in slots:
        if limits.add(slot, now, timeout=window):
            return None
    taken = [at for at in limits.get_many(slots).values() if at is not None]
    free_at = min(taken) + window if taken else now  # a slot expired just now: at once
    return datetime.datetime.fromtimestamp(math.ceil(free_at / 60) * 60, tz=datetime.UTC)
