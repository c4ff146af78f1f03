"""A wire-level fake of the Mailchimp Marketing API on 127.0.0.1, for the real client.

It implements the endpoints the site uses with Mailchimp's semantics (subscriber hash,
`status_if_new` versus `status`, compliance states, forgotten addresses, fake-looking
addresses, the 10-connection limit answered with 429) and injects faults: latency, 5xx
answers, and a switch that refuses connections by closing the socket.
"""

import hashlib
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MEMBER = re.compile(r"^/3\.0/lists/(?P<list>[^/]+)/members/(?P<hash>[0-9a-f]{32})(?P<rest>/.*)?$")
MEMBERS = re.compile(r"^/3\.0/lists/(?P<list>[^/]+)/members/?$")


def subscriber_hash(email: str) -> str:
    return hashlib.md5(email.strip().lower().encode()).hexdigest()  # noqa: S324


class FakeMailchimp:
    def __init__(self, connection_limit: int = 10):
        self.connection_limit = connection_limit
        self.members: dict[tuple[str, str], dict] = {}
        self.forgotten: set[str] = set()
        self.calls: list[tuple[str, str]] = []
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

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
        from a campaign, an admin editing the audience, a hosted form, a hard bounce."""
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
        if event_type == "upemail":
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
        if method == "PATCH" and not rest:
            if "status" in body:
                member["status"] = body["status"]
            # Interests: only the ids sent change, the others stay as they are.
            member.setdefault("interests", {}).update(body.get("interests", {}))
            return self.reply(handler, 200, member)
        if method == "POST" and rest == "/tags":
            for tag in body.get("tags", []):
                if tag["status"] == "active":
                    member["tags"].add(tag["name"])
                else:
                    member["tags"].discard(tag["name"])
            return self.reply(handler, 204, None)
        if method == "POST" and rest == "/actions/delete-permanent":
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
        member = self.members.get(key)
        if member is None:
            if "status_if_new" not in body:
                return self.problem(
                    handler,
                    400,
                    "Invalid Resource",
                    "status_if_new is required when adding a member.",
                )
            member = {
                "id": key[1],
                "email_address": email,
                "status": body["status_if_new"],
                "merge_fields": {},
                "tags": set(),
                "marketing_permissions": [],
            }
            self.members[key] = member
        elif "status" in body:
            if member["status"] in {"unsubscribed", "cleaned"} and body["status"] == "subscribed":
                return self.problem(
                    handler,
                    400,
                    "Member In Compliance State",
                    f"{email} is in a compliance state due to unsubscribe, "
                    "bounce, or compliance review.",
                )
            member["status"] = body["status"]
        member["merge_fields"].update(body.get("merge_fields", {}))
        member.setdefault("interests", {}).update(body.get("interests", {}))
        if "marketing_permissions" in body:
            member["marketing_permissions"] = body["marketing_permissions"]
        for field in ("timestamp_opt", "ip_opt", "language"):
            if field in body:
                member[field] = body[field]
        return self.reply(handler, 200, member)

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
