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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MEMBER = re.compile(r"^/3\.0/lists/(?P<list>[^/]+)/members/(?P<hash>[0-9a-f]{32})(?P<rest>/.*)?$")


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
        if "marketing_permissions" in body:
            member["marketing_permissions"] = body["marketing_permissions"]
        for field in ("timestamp_opt", "ip_opt", "language"):
            if field in body:
                member[field] = body[field]
        return self.reply(handler, 200, member)

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
