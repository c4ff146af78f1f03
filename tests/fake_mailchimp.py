"""A wire-level fake of the Mailchimp Marketing API on 127.0.0.1, for the real client.

It implements the endpoints the site uses with Mailchimp's semantics (subscriber hash,
`status_if_new` versus `status`, the transactional status, compliance states, archived and
forgotten members, GDPR marketing permissions, fake-looking addresses, the 10-connection
limit answered with 429) and injects faults: latency, 5xx answers, and a switch that
refuses connections by closing the socket. Each rule cites where Mailchimp documents it;
"API reference" is mailchimp.com/developer/marketing/api/list-members/, "webhook guide" is
mailchimp.com/developer/marketing/guides/sync-audience-data-webhooks/.
"""

import datetime
import hashlib
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# API reference, "status": the values a member can have (archived only ever in answers).
STATUSES = {"subscribed", "unsubscribed", "cleaned", "pending", "transactional"}
# Mailchimp's errors documentation (mailchimp.com/developer/marketing/docs/errors/), as
# reported in ibericode/mailchimp-for-wordpress#798: an unsubscribed or cleaned member can't
# be set to subscribed by the API; an unsubscribed one may get Mailchimp's own opt-in
# (pending), a cleaned one nothing.
COMPLIANCE_BLOCKED = {
    ("unsubscribed", "subscribed"),
    ("cleaned", "subscribed"),
    ("cleaned", "pending"),
}
MEMBER = re.compile(r"^/3\.0/lists/(?P<list>[^/]+)/members/(?P<hash>[0-9a-f]{32})(?P<rest>/.*)?$")
MEMBERS = re.compile(r"^/3\.0/lists/(?P<list>[^/]+)/members/?$")
CAMPAIGN = re.compile(r"^/3\.0/campaigns/(?P<id>[^/]+)(?P<rest>/.*)?$")
# Campaigns API reference (mailchimp.com/developer/marketing/api/campaigns/), "Add campaign":
# the campaign types; and the statuses a campaign can have ("save" is a draft).
CAMPAIGN_TYPES = {"regular", "plaintext", "absplit", "rss", "variate"}


def subscriber_hash(email: str) -> str:
    return hashlib.md5(email.strip().lower().encode()).hexdigest()  # noqa: S324


def iso_8601(value) -> bool:
    try:
        datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return False
    return True


class FakeMailchimp:
    def __init__(self, connection_limit: int = 10):
        self.connection_limit = connection_limit
        self.members: dict[tuple[str, str], dict] = {}
        self.forgotten: set[str] = set()
        # Mailchimp mails its own opt-in each time a member becomes pending (API reference,
        # "status": pending sends a confirmation); these are the addresses it mailed.
        self.optin_mails: list[str] = []
        self.calls: list[tuple[str, str]] = []
        # Campaigns by id, as created through POST /campaigns (drafts: status "save").
        self.campaigns: dict[str, dict] = {}
        self.latency = 0.0
        self.fail_with: int | None = None  # answer every call with this status
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                fake.handle(self, "GET")

            def do_PUT(self):
                fake.handle(self, "PUT")

            def do_PATCH(self):
                fake.handle(self, "PATCH")

            def do_POST(self):
                fake.handle(self, "POST")

            def do_DELETE(self):
                fake.handle(self, "DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # serve_forever looks for shutdown() every poll_interval: 0.5 s by default, which each
        # test using the fake would wait for once more when it stops.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/3.0"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # --- helpers for tests -----------------------------------------------------------------

    def member(self, list_id: str, email: str) -> dict | None:
        return self.members.get((list_id, subscriber_hash(email)))

    def count(self, method: str, fragment: str = "") -> int:
        return sum(1 for m, path in self.calls if m == method and fragment in path)

    # --- Mailchimp's own side: its UI, hosted forms, bounces, and the webhooks it sends ----

    def set_status(self, list_id: str, email: str, status: str, **merge_fields) -> dict:
        """Change (or add) a member the way Mailchimp itself would: someone unsubscribing
        from a campaign, an admin editing or archiving the audience, a hosted form, a hard
        bounce. `status` may also be "archived" (the audience page's Archive action)."""
        key = (list_id, subscriber_hash(email))
        member = self.members.get(key)
        if member is None:
            member = {
                "id": key[1],
                "unique_email_id": key[1][:10],
                "email_address": email,
                "merge_fields": {},
                "tags": set(),
                "marketing_permissions": [],
            }
            self.members[key] = member
        member["status"] = status
        member["merge_fields"].update(merge_fields)
        member["last_changed"] = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        return member

    def forget(self, list_id: str, email: str) -> None:
        """An admin deleted the member permanently in Mailchimp's audience page."""
        self.members.pop((list_id, subscriber_hash(email)), None)
        self.forgotten.add(subscriber_hash(email))

    def change_email(self, list_id: str, old_email: str, new_email: str) -> dict:
        """The member changed the address in Mailchimp's profile page (its `upemail`)."""
        member = self.members.pop((list_id, subscriber_hash(old_email)))
        member.update(
            id=subscriber_hash(new_email),
            email_address=new_email,
            last_changed=time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        )
        self.members[(list_id, subscriber_hash(new_email))] = member
        return member

    def webhook_payload(self, event_type: str, list_id: str, email: str, **extra) -> dict:
        """The form fields Mailchimp posts for `event_type` about `email` (for `upemail`, the
        old address; pass new_email=…). Extra keyword arguments: `fired_at`; upper-case names
        become data[merges][NAME]; names with brackets are taken as they are; others become
        data[name]. A value of None leaves the field out (malformed deliveries)."""
        member = self.member(list_id, email) or {}
        unique_id = member.get("unique_email_id") or subscriber_hash(email)[:10]
        payload = {
            "type": event_type,
            "fired_at": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
            "data[list_id]": list_id,
        }
        if event_type == "campaign":
            # Webhook guide, "Campaign Sending": about a campaign, not a member.
            payload |= {
                "data[id]": "5aa2102003",
                "data[subject]": "Campaign Subject",
                "data[status]": "sent",
                "data[reason]": "",
            }
        elif event_type == "upemail":
            new_email = extra.pop("new_email")
            payload |= {
                "data[new_id]": subscriber_hash(new_email)[:10],
                "data[new_email]": new_email,
                "data[old_email]": email,
            }
        else:
            if event_type != "cleaned":  # Mailchimp's cleaned event carries no member id
                payload["data[id]"] = unique_id
            payload["data[email]"] = email
            payload["data[email_type]"] = "html"
            payload["data[merges][EMAIL]"] = email
            for name, value in (member.get("merge_fields") or {}).items():
                if isinstance(value, str):
                    payload[f"data[merges][{name}]"] = value
            payload["data[ip_opt]"] = "198.51.100.7"
        if event_type == "unsubscribe":
            # Webhook guide: data[action] is "unsub", or "delete" when the member was
            # deleted (archived) rather than unsubscribed; pass action="delete".
            payload |= {"data[action]": "unsub", "data[reason]": "manual"}
        if event_type in ("unsubscribe", "cleaned"):
            payload["data[campaign_id]"] = "cb398d21d2"
        if event_type == "cleaned":
            payload["data[reason]"] = "hard"
        for name, value in extra.items():
            if name in ("type", "fired_at") or "[" in name:
                field = name
            elif name.isupper():
                field = f"data[merges][{name}]"
            else:
                field = f"data[{name}]"
            if value is None:
                payload.pop(field, None)
            else:
                payload[field] = value
        return payload

    def deliver_webhook(self, url: str, payload: dict) -> tuple[int, str]:
        """POST `payload` form-encoded to the site, as Mailchimp's webhook sender does."""
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(payload).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "MailChimp",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    # --- request handling ------------------------------------------------------------------

    def handle(self, handler, method):
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            over_limit = self.in_flight > self.connection_limit
        try:
            if self.latency:
                time.sleep(self.latency)
            length = int(handler.headers.get("Content-Length") or 0)
            raw = handler.rfile.read(length) if length else b""
            self.calls.append((method, handler.path.split("?")[0]))
            if over_limit:
                return self.problem(
                    handler,
                    429,
                    "Too Many Requests",
                    "You have exceeded the limit of 10 simultaneous connections.",
                )
            if self.fail_with:
                return self.problem(
                    handler, self.fail_with, "Service Unavailable", "Injected failure."
                )
            body = json.loads(raw) if raw else {}
            self.route(handler, method, handler.path.split("?")[0], body)
        finally:
            with self.lock:
                self.in_flight -= 1

    def route(self, handler, method, path, body):
        if path == "/3.0/ping":
            return self.reply(handler, 200, {"health_status": "Everything's Chimpy!"})
        if path.rstrip("/") == "/3.0/campaigns" or CAMPAIGN.match(path):
            return self.campaign_route(handler, method, path, body)
        if method == "GET" and (listing := MEMBERS.match(path)):
            return self.list_members(handler, listing["list"])
        match = MEMBER.match(path)
        if not match:
            return self.problem(handler, 404, "Resource Not Found", f"No route {path}")
        key = (match["list"], match["hash"])
        rest = match["rest"] or ""
        member = self.members.get(key)
        if method == "PUT" and not rest:
            return self.upsert(handler, key, body)
        if member is None:
            return self.problem(
                handler, 404, "Resource Not Found", "The requested resource could not be found."
            )
        if method == "GET" and not rest:
            return self.reply(handler, 200, member)
        if method == "DELETE" and not rest:
            # API reference, "Archive list member": reversible, the member answers GET with
            # status "archived" afterwards (mailchimp.com/help/archive-and-unarchive-contacts).
            member["status"] = "archived"
            return self.reply(handler, 204, None)
        if method == "PATCH" and not rest:
            if "status" in body and (refusal := self.change_status(member, body["status"])):
                return self.problem(handler, 400, *refusal)
            # Interests: only the ids sent change, the others stay as they are.
            member.setdefault("interests", {}).update(body.get("interests", {}))
            self.merge_permissions(member, body)
            return self.reply(handler, 200, member)
        if method == "POST" and rest == "/tags":
            for tag in body.get("tags", []):
                if tag["status"] == "active":
                    member["tags"].add(tag["name"])
                else:
                    member["tags"].discard(tag["name"])
            return self.reply(handler, 204, None)
        if method == "POST" and rest == "/actions/delete-permanent":
            # API reference, "Delete list member": erased for good, never re-importable.
            del self.members[key]
            self.forgotten.add(key[1])
            return self.reply(handler, 204, None)
        return self.problem(handler, 405, "Method Not Allowed", f"{method} {path}")

    def upsert(self, handler, key, body):
        email = body.get("email_address", "")
        if subscriber_hash(email) != key[1]:
            return self.problem(
                handler,
                400,
                "Invalid Resource",
                "The subscriber hash does not match the e-mail address.",
            )
        if key[1] in self.forgotten:
            # mailchimp.com/help/delete-contacts/: a permanently deleted address can't be
            # re-imported or added through the API, only through a Mailchimp hosted form.
            return self.problem(
                handler,
                400,
                "Forgotten Email Not Subscribed",
                f"{email} was permanently deleted and cannot be re-imported.",
            )
        if "@" not in email or email.endswith("@invalid.example"):
            return self.problem(
                handler,
                400,
                "Invalid Resource",
                f"{email} looks fake or invalid, please enter a real email.",
            )
        for field in ("status_if_new", "status"):
            if field in body and body[field] not in STATUSES:
                return self.problem(
                    handler, 400, "Invalid Resource", f"{field} must be one of {sorted(STATUSES)}."
                )
        for field in ("timestamp_signup", "timestamp_opt"):
            # API reference: "The date and time … in ISO 8601 format".
            if field in body and not iso_8601(body[field]):
                return self.problem(
                    handler, 400, "Invalid Resource", f"{field} is not an ISO 8601 time."
                )
        member = self.members.get(key)
        if member is None:
            if "status_if_new" not in body:
                return self.problem(
                    handler,
                    400,
                    "Invalid Resource",
                    "status_if_new is required when adding a member.",
                )
            # API reference, PUT: `status_if_new` applies only when the member is created.
            member = {
                "id": key[1],
                "unique_email_id": key[1][:10],
                "email_address": email,
                "status": body.get("status", body["status_if_new"]),
                "merge_fields": {},
                "tags": set(),
                "marketing_permissions": [],
            }
            self.members[key] = member
            if member["status"] == "pending":
                self.optin_mails.append(email)
        elif "status" in body and (refusal := self.change_status(member, body["status"])):
            # API reference, PUT: `status` changes an existing member; an archived member
            # is un-archived by it (brandonseydel/MailChimp.Net#417). Without it, the
            # member's status, archived included, stays as it is.
            return self.problem(handler, 400, *refusal)
        member["merge_fields"].update(body.get("merge_fields", {}))
        member.setdefault("interests", {}).update(body.get("interests", {}))
        self.merge_permissions(member, body)
        for field in (
            "timestamp_signup",
            "timestamp_opt",
            "ip_signup",
            "ip_opt",
            "language",
        ):
            if field in body:
                member[field] = body[field]
        member["last_changed"] = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        return self.reply(handler, 200, member)

    def change_status(self, member: dict, status: str) -> tuple[str, str] | None:
        """Set `status` as Mailchimp would; the error's (title, detail) where it refuses."""
        if (member["status"], status) in COMPLIANCE_BLOCKED:
            return (
                "Member In Compliance State",
                f"{member['email_address']} is in a compliance state due to unsubscribe, "
                "bounce, or compliance review and cannot be subscribed.",
            )
        if status == "pending" and member["status"] != "pending":
            self.optin_mails.append(member["email_address"])
        member["status"] = status
        member["last_changed"] = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        return None

    @staticmethod
    def merge_permissions(member: dict, body: dict) -> None:
        """API reference, "marketing_permissions": each sent id sets that permission; the
        ones not sent stay as they are (so a site that sends none changes none)."""
        for sent in body.get("marketing_permissions") or []:
            held = next(
                (
                    permission
                    for permission in member["marketing_permissions"]
                    if permission["marketing_permission_id"] == sent["marketing_permission_id"]
                ),
                None,
            )
            if held is None:
                held = {"marketing_permission_id": sent["marketing_permission_id"], "text": ""}
                member["marketing_permissions"].append(held)
            held["enabled"] = bool(sent.get("enabled"))

    def permission(self, list_id: str, email: str, permission_id: str) -> bool | None:
        """Whether `permission_id` is enabled for the member (None: never set)."""
        member = self.member(list_id, email) or {}
        for permission in member.get("marketing_permissions", []):
            if permission["marketing_permission_id"] == permission_id:
                return permission["enabled"]
        return None

    def list_members(self, handler, list_id):
        """GET /lists/{id}/members: paged by count (default 10, at most 1000) and offset."""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(handler.path).query)
        try:
            count = int(query.get("count", ["10"])[0])
            offset = int(query.get("offset", ["0"])[0])
        except ValueError:
            return self.problem(handler, 400, "Invalid Resource", "count and offset are numbers.")
        if count > 1000:
            return self.problem(handler, 400, "Invalid Resource", "count must be at most 1000.")
        members = [member for (lst, _hash), member in self.members.items() if lst == list_id]
        page = members[offset : offset + count]
        return self.reply(handler, 200, {"members": page, "total_items": len(members)})

    # --- campaigns ---------------------------------------------------------------------------

    def campaign_route(self, handler, method, path, body):
        if method == "POST" and path.rstrip("/") == "/3.0/campaigns":
            return self.add_campaign(handler, body)
        match = CAMPAIGN.match(path)
        campaign = self.campaigns.get(match["id"]) if match else None
        if campaign is None:
            return self.problem(
                handler, 404, "Resource Not Found", "The requested resource could not be found."
            )
        rest = match["rest"] or ""
        if method == "GET" and not rest:
            return self.reply(handler, 200, campaign)
        if method == "PUT" and rest == "/content":
            return self.set_content(handler, campaign, body)
        return self.problem(handler, 405, "Method Not Allowed", f"{method} {path}")

    def add_campaign(self, handler, body):
        """Campaigns API reference, "Add campaign" (POST /campaigns): `type` is required and
        one of CAMPAIGN_TYPES; a regular campaign's `recipients.list_id` names an audience;
        `settings.reply_to` "is not required for campaign creation, it is required for
        sending", but must be an e-mail address when given. A new campaign is a draft:
        status "save", nothing sent."""
        campaign_type = body.get("type")
        if campaign_type not in CAMPAIGN_TYPES:
            return self.invalid(handler, "type", f"Value must be one of {sorted(CAMPAIGN_TYPES)}.")
        recipients = body.get("recipients") or {}
        if campaign_type == "regular" and not recipients.get("list_id"):
            return self.invalid(handler, "recipients.list_id", "This value should not be blank.")
        campaign_settings = body.get("settings") or {}
        reply_to = campaign_settings.get("reply_to")
        if reply_to is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", reply_to):
            return self.invalid(handler, "settings.reply_to", "This value should be a valid email.")
        campaign_id = hashlib.md5(str(len(self.campaigns)).encode()).hexdigest()[:10]  # noqa: S324
        campaign = {
            "id": campaign_id,
            # API reference, campaign `web_id`: the id in Mailchimp's web application.
            "web_id": 1000 + len(self.campaigns),
            "type": campaign_type,
            "status": "save",
            "emails_sent": 0,
            "create_time": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            "content_type": "template",
            "recipients": dict(recipients),
            "settings": campaign_settings,
            "content": {},
        }
        self.campaigns[campaign_id] = campaign
        return self.reply(handler, 200, campaign)

    def set_content(self, handler, campaign, body):
        """Campaigns API reference, "Set campaign content" (PUT /campaigns/{id}/content):
        the draft's `html` and `plain_text`; a campaign already sent can't be changed."""
        if campaign["status"] not in {"save", "paused"}:
            return self.problem(handler, 400, "Bad Request", "This campaign has already been sent.")
        if not any(body.get(field) for field in ("html", "plain_text", "url", "template")):
            return self.invalid(handler, "html", "Content is required.")
        campaign["content"] = {
            "html": body.get("html", ""),
            "plain_text": body.get("plain_text", ""),
        }
        campaign["content_type"] = "html"
        return self.reply(handler, 200, campaign["content"])

    def invalid(self, handler, field, message):
        """Mailchimp's "Invalid Resource" answer, with its `errors` array of fields."""
        data = json.dumps(
            {
                "type": "about:blank",
                "title": "Invalid Resource",
                "status": 400,
                "detail": "The resource submitted could not be validated. For field-specific "
                "details, see the 'errors' array.",
                "instance": "",
                "errors": [{"field": field, "message": message}],
            }
        ).encode()
        handler.send_response(400)
        handler.send_header("Content-Type", "application/problem+json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def reply(self, handler, status, payload):
        handler.send_response(status)
        if payload is None:
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        data = json.dumps(payload, default=sorted).encode()
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def problem(self, handler, status, title, detail):
        data = json.dumps(
            {
                "type": "about:blank",
                "title": title,
                "status": status,
                "detail": detail,
                "instance": "",
            }
        ).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/problem+json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
