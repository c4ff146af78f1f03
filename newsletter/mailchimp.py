"""The only module that talks to Mailchimp, through the official `mailchimp-marketing` client.

It hides the client's quirks: errors come back as
`ApiClientError` with a JSON *string*, as a plain `requests.Response` for empty-body errors,
or with `status_code=None` for network failures; the default timeout is 120 s. Every call
here has a (connect, read) timeout and raises `MailchimpError`, whose `retryable` says
whether the outbox should try again.
"""

import datetime
import hashlib
import json
import math
import secrets
import threading
from contextlib import contextmanager

import mailchimp_marketing
import requests
from django.conf import settings
from django.core.cache import cache
from mailchimp_marketing.api_client import ApiClientError

from legal.http import assert_no_transaction

from .models import Contact, NewsletterTopic

# Network failures (None), throttling and server errors are temporary; everything else is not.
RETRYABLE_STATUSES = {None, 408, 429, 500, 502, 503, 504}
# Mailchimp answers more than 10 simultaneous connections per account with 429.
MAX_CONNECTIONS = 10
# The most calls one outbox job makes (an upsert: the member, then its tags).
MAX_CALLS_PER_JOB = 2


class MailchimpError(Exception):
    def __init__(self, status: int | None, title: str, detail: str):
        super().__init__(f"{status or 'network'} {title}: {detail}".strip())
        self.status, self.title, self.detail = status, title, detail

    @property
    def retryable(self) -> bool:
        if self.status in RETRYABLE_STATUSES:
            return True
        # "… signed up to a lot of lists very recently" is Mailchimp's temporary throttle.
        return "a lot of lists very recently" in self.detail


class MailchimpBusy(MailchimpError):
    """All connection slots are taken; try again shortly."""

    def __init__(self):
        super().__init__(429, "Connection limit", "all connection slots are in use")


def is_configured() -> bool:
    return bool(settings.MAILCHIMP_API_KEY and settings.MAILCHIMP_AUDIENCE_ID)


def subscriber_hash(email: str) -> str:
    return hashlib.md5(email.strip().lower().encode()).hexdigest()  # noqa: S324 (Mailchimp's key)


def longest_call() -> float:
    """Seconds one call can take at most: waiting for a connection slot, then connecting
    and reading, each bounded by MAILCHIMP_TIMEOUT."""
    connect, read = settings.MAILCHIMP_TIMEOUT
    return read + connect + read


_local_slots = threading.BoundedSemaphore(MAX_CONNECTIONS)


@contextmanager
def connection_slot():
    """At most MAX_CONNECTIONS calls at once: across processes through the shared cache
    (Redis in production), and within a process through a semaphore.

    A slot is a cache key holding this call's own random token, and it expires after the
    longest call can take, so a worker that died frees its slot. Releasing deletes the key
    only while it still holds this call's token: a call that outlived its slot never frees
    the slot another call has taken since."""
    if not _local_slots.acquire(timeout=settings.MAILCHIMP_TIMEOUT[1]):
        raise MailchimpBusy()
    held = None
    try:
        token = secrets.token_hex(8)
        for slot in range(MAX_CONNECTIONS):
            key = f"mailchimp-slot:{slot}"
            if cache.add(key, token, timeout=math.ceil(longest_call()) + 1):
                held = key
                break
        if held is None:
            raise MailchimpBusy()
        yield
    finally:
        # Not atomic across processes (the cache offers no compare-and-delete): a slot that
        # expires in the instant between the two calls is freed early, never kept forever.
        if held and cache.get(held) == token:
            cache.delete(held)
        _local_slots.release()


def client() -> mailchimp_marketing.Client:
    mc = mailchimp_marketing.Client()
    # (connect, read) seconds; the client's own default is 120 s per call.
    mc.set_config({"api_key": settings.MAILCHIMP_API_KEY, "timeout": settings.MAILCHIMP_TIMEOUT})
    if settings.MAILCHIMP_API_URL:
        # Tests and fakes: another address for the API (set_config leaves `host` as set).
        mc.api_client.host = settings.MAILCHIMP_API_URL.rstrip("/")
    return mc


def call(method, *args, **kwargs):
    """Run one client method under a connection slot and normalise every failure shape.

    Never inside a database transaction: a call can take MAILCHIMP_TIMEOUT, and on SQLite
    an open write transaction would hold every request of the site for that long."""
    assert_no_transaction("Mailchimp")
    with connection_slot():
        try:
            result = method(*args, **kwargs)
        except ApiClientError as error:
            raise _as_mailchimp_error(error) from error
    if isinstance(result, requests.Response):  # 204 endpoints and empty-body errors
        if not result.ok:
            raise MailchimpError(result.status_code, "Empty error body", result.reason or "")
        return None
    return result


def _as_mailchimp_error(error: ApiClientError) -> MailchimpError:
    body = error.text
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            body = {"title": "", "detail": body[:500]}
    elif not isinstance(body, dict):  # the requests exception of a network failure
        body = {"title": type(body).__name__, "detail": str(body)[:500]}
    detail = str(body.get("detail", ""))
    # "Invalid Resource" names the fields only in its `errors` array (field, message).
    fields = [
        f"{item.get('field') or 'request'}: {item.get('message', '')}"
        for item in body.get("errors") or []
        if isinstance(item, dict)
    ]
    if fields:
        detail = "; ".join(fields)
    return MailchimpError(error.status_code, str(body.get("title", "")), detail)


def mailchimp_time(moment: datetime.datetime) -> str:
    """Mailchimp's ISO 8601 form of a moment: UTC, whole seconds."""
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat()


def permission_ids(purposes) -> list[str]:
    """The audience's marketing permissions that belong to `purposes`. The setting lists
    "id" (the newsletter's permission) or "id=purpose"; "leadmagnet" stands for every
    lead magnet's purpose (leadmagnet:<slug>)."""
    kinds = {purpose.split(":", 1)[0] for purpose in purposes}
    ids = []
    for entry in settings.MAILCHIMP_MARKETING_PERMISSIONS:
        permission_id, _, purpose = entry.partition("=")
        if (purpose or "newsletter") in kinds or purpose in purposes:
            ids.append(permission_id.strip())
    return ids


def upsert_member(
    contact,
    tags: list[str],
    *,
    status: str | None = None,
    confirmed_purposes=(),
    signed_up_at: str | None = None,
) -> dict:
    """Add or update a member, then its tags.

    Only a newsletter subscriber is added as `subscribed`; anyone else (a lead magnet's
    reader) as `transactional`, which campaigns never reach. Without `status` only
    `status_if_new` is sent, so an existing member's status (unsubscribed, cleaned) is never
    changed by an update. `status` goes only with a fresh confirmation from the mailbox;
    where Mailchimp refuses to subscribe again ("Member In Compliance State") the member is
    set to `pending`, and Mailchimp mails its own opt-in.

    Marketing permissions are switched on only for `confirmed_purposes`, the purposes this
    confirmation was for; other updates send none, so a permission the person switched off
    in Mailchimp stays off. Proof goes along: `timestamp_signup` and `timestamp_opt`.
    """
    mc, list_id, member = client(), settings.MAILCHIMP_AUDIENCE_ID, subscriber_hash(contact.email)
    subscriber = contact.status == Contact.Status.SUBSCRIBED
    body = {
        "email_address": contact.email,
        "status_if_new": "subscribed" if subscriber else "transactional",
        "merge_fields": {"FNAME": contact.first_name, "LNAME": contact.last_name},
    }
    if contact.phone:
        body["merge_fields"]["PHONE"] = contact.phone
    if contact.language:
        body["language"] = contact.language
    if confirmed_purposes:
        if signed_up_at:
            body["timestamp_signup"] = signed_up_at
        if contact.confirmed_at:
            body["timestamp_opt"] = mailchimp_time(contact.confirmed_at)
        if ids := permission_ids(confirmed_purposes):
            body["marketing_permissions"] = [
                {"marketing_permission_id": permission_id, "enabled": True} for permission_id in ids
            ]
    if status:
        body["status"] = status
    try:
        result = call(mc.lists.set_list_member, list_id, member, body, skip_merge_validation="true")
    except MailchimpError as error:
        if status != "subscribed" or error.title != "Member In Compliance State":
            raise
        body["status"] = "pending"
        result = call(mc.lists.set_list_member, list_id, member, body, skip_merge_validation="true")
    if tags:
        call(
            mc.lists.update_list_member_tags,
            list_id,
            member,
            {"tags": [{"name": tag, "status": "active"} for tag in tags], "is_syncing": False},
        )
    return result


def unsubscribe_member(contact, purpose: str = "newsletter") -> None:
    """Unsubscribe, and switch off the marketing permissions of `purpose`: an explicit
    choice of the person, the one time the site sends `enabled: false`."""
    body = {"status": "unsubscribed"}
    if ids := permission_ids([purpose]):
        body["marketing_permissions"] = [
            {"marketing_permission_id": permission_id, "enabled": False} for permission_id in ids
        ]
    mc = client()
    try:
        call(
            mc.lists.update_list_member,
            settings.MAILCHIMP_AUDIENCE_ID,
            subscriber_hash(contact.email),
            body,
        )
    except MailchimpError as error:
        if error.status != 404:  # not a member: nothing to unsubscribe
            raise


def delete_member_permanently(member_hash: str) -> bool:
    """GDPR Art. 17(1), 28(3)(g): the processor erases the member too. Unlike archiving,
    this cannot be undone and Mailchimp refuses to re-import the address afterwards.

    Takes the subscriber hash because the address itself is already erased here. Returns
    False when Mailchimp holds no such member (404: never synced, or already deleted).
    """
    mc = client()
    try:
        call(mc.lists.delete_list_member_permanent, settings.MAILCHIMP_AUDIENCE_ID, member_hash)
    except MailchimpError as error:
        if error.status == 404:
            return False
        raise
    return True


def update_topics(contact, topics: dict[str, bool]) -> None:
    """Bring the preference centre's topic choices ({slug: chosen}) to Mailchimp. A topic
    with an interest id is an interest (group), any other the tag `topic:<slug>`. Only the
    changed topics are sent: Mailchimp leaves unsent interests and tags as they are
    (PATCH semantics)."""
    interest_ids = dict(
        NewsletterTopic.objects.filter(slug__in=topics).values_list("slug", "mailchimp_interest_id")
    )
    changes = sorted(topics.items())
    interests = {interest_ids[slug]: on for slug, on in changes if interest_ids.get(slug)}
    tags = [
        {"name": f"topic:{slug}", "status": "active" if on else "inactive"}
        for slug, on in changes
        if not interest_ids.get(slug)  # also a topic deleted since: its tag is all we know
    ]
    mc, list_id, member = client(), settings.MAILCHIMP_AUDIENCE_ID, subscriber_hash(contact.email)
    if interests:
        call(mc.lists.update_list_member, list_id, member, {"interests": interests})
    if tags:
        call(
            mc.lists.update_list_member_tags,
            list_id,
            member,
            {"tags": tags, "is_syncing": False},
        )


# Reading members back (webhooks, nightly reconciliation): what Mailchimp holds now.
MEMBER_FIELDS = ["email_address", "status", "merge_fields", "last_changed", "timestamp_opt"]


def get_member(email_or_hash: str) -> dict | None:
    """The audience's member as Mailchimp holds it now, or None when it has no such member.

    Always by subscriber hash: the client rewrites "server" anywhere in the URL, so a raw
    address like observer@… would be mangled.
    """
    key = email_or_hash.strip().lower()
    if not (len(key) == 32 and all(char in "0123456789abcdef" for char in key)):
        key = subscriber_hash(email_or_hash)
    mc = client()
    try:
        return call(
            mc.lists.get_list_member,
            settings.MAILCHIMP_AUDIENCE_ID,
            key,
            fields=MEMBER_FIELDS,
        )
    except MailchimpError as error:
        if error.status == 404:
            return None
        raise


def list_members(*, offset: int, count: int) -> dict:
    """One page of the audience: {"members": [...], "total_items": n}. `count` ≤ 1000."""
    mc = client()
    result = call(
        mc.lists.get_list_members_info,
        settings.MAILCHIMP_AUDIENCE_ID,
        count=count,
        offset=offset,
        fields=[*(f"members.{field}" for field in MEMBER_FIELDS), "total_items"],
    )
    return {
        "members": list(result.get("members") or []),
        "total_items": int(result.get("total_items") or 0),
    }


# Campaigns: drafts only. The site creates a draft for an editor to review; sending stays in
# Mailchimp, where the editor sees the final mail and the audience it goes to.


def create_campaign_draft(*, subject: str, title: str, from_name: str, reply_to: str) -> dict:
    """A regular campaign to the audience, saved as a draft (status "save").

    API reference, "Add campaign" (POST /campaigns): `type` is required; `recipients.list_id`
    names the audience. No segment: a regular campaign reaches only the audience's
    subscribed contacts, never pending, unsubscribed, cleaned or transactional ones, which
    is exactly who agreed to the newsletter."""
    body = {
        "type": "regular",
        "recipients": {"list_id": settings.MAILCHIMP_AUDIENCE_ID},
        "settings": {
            "subject_line": subject,
            "title": title,
            "from_name": from_name,
            "reply_to": reply_to,
        },
    }
    return call(client().campaigns.create, body)


def set_campaign_content(campaign_id: str, *, html: str, plain_text: str) -> dict:
    """API reference, "Set campaign content" (PUT /campaigns/{campaign_id}/content)."""
    return call(
        client().campaigns.set_content, campaign_id, {"html": html, "plain_text": plain_text}
    )


def campaign_admin_url(web_id: int | None) -> str:
    """Where an editor opens the campaign in Mailchimp: its `web_id` on the account's data
    centre (API reference, campaign `web_id`), the key's suffix after the dash."""
    data_centre = settings.MAILCHIMP_API_KEY.rpartition("-")[2]
    if web_id is None or not data_centre.isalnum():
        return "https://login.mailchimp.com/"
    return f"https://{data_centre}.admin.mailchimp.com/campaigns/show/?id={int(web_id)}"
