"""Every public form of the demo site, read from its rendered HTML, and hostile requests for
it. One module for the property-based test (tests/site/test_public_forms.py) and the run
against a live server (`python -m tests.fuzz_live`), so both send the same things.

Fields come from the pages themselves, so a field added to a form is fuzzed without a change
here. A request keeps valid values in most fields and puts hostile ones in a few (or in all,
or in none): a hostile value behind an invalid e-mail address would never reach the check
that it is meant to test.
"""

from dataclasses import dataclass, field
from urllib.parse import quote, quote_from_bytes, quote_plus, urljoin, urlsplit

from hypothesis import strategies as st
from lxml import html as lxml_html

# The pages a visitor finds the forms on.
DEMO_PAGES = [
    "/",
    "/newsletter/",
    "/starter-guide/",
    "/contact/",
    "/consent/",
    "/newsletter/privacy-request/",
]
# Fields that consent.js adds to the consent forms' posts.
SCRIPT_FIELDS = {"/consent/": {"gpc": ["1"]}}
# Links from mails: the token is the hostile part, the page's form (if any) the rest.
TOKEN_ROUTES = {
    "preference centre": [
        ("GET", "/newsletter/preferences/{token}/"),
        ("POST", "/newsletter/preferences/{token}/"),
    ],
    "unsubscribe": [
        ("GET", "/newsletter/unsubscribe/{token}/"),
        ("POST", "/newsletter/unsubscribe/{token}/"),
        ("POST", "/newsletter/unsubscribe/{token}/undo/"),
        ("GET", "/newsletter/unsubscribe/{token}/preferences/"),
    ],
    "confirmation": [
        ("GET", "/newsletter/confirm/{token}/"),
        ("POST", "/newsletter/confirm/{token}/"),
    ],
    "privacy confirmation": [
        ("GET", "/newsletter/privacy-request/{token}/"),
        ("POST", "/newsletter/privacy-request/{token}/"),
    ],
    "download": [("GET", "/lead-magnets/download/{token}/")],
}


@dataclass
class Field:
    kind: str  # the input's type, "textarea", "select" or "submit" for a named button
    values: list[str] = field(default_factory=list)  # what the page offers, in order


@dataclass
class Target:
    """One public form (or mail link) and the routes its requests go to. `{token}` in a
    route is filled with one of `tokens` (valid ones) or with a hostile value."""

    name: str
    routes: list[tuple[str, str]]
    fields: dict[str, Field] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)


@dataclass
class FuzzRequest:
    method: str
    path: str  # already percent-encoded, with the query string of a GET
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.method} {self.path[:120]} body={self.body[:200]!r}"


# --- Reading forms from pages -------------------------------------------------------------


def forms_in(page_html: str, page_path: str) -> list[tuple[str, dict[str, Field]]]:
    """(action path, fields) of every POST form on the page, forms with the same action
    merged (the consent banner, dialog and no-JS copy; the preference centre's two forms).
    Inert copies in <template> and <noscript> count: the script or the browser shows them."""
    tree = lxml_html.fromstring(page_html)
    merged: dict[str, dict[str, Field]] = {}
    for form in tree.iter("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        action = urlsplit(urljoin(page_path, form.get("action") or page_path)).path
        fields = merged.setdefault(action, {})
        for element in form.iter("input", "textarea", "select", "button"):
            name = element.get("name")
            if not name:
                continue
            if element.tag in ("textarea", "select"):
                kind = element.tag
            elif element.tag == "button":  # a named button posts its value
                kind = "submit"
            else:
                kind = (element.get("type") or "text").lower()
            entry = fields.setdefault(name, Field(kind))
            offered = [option.get("value", option.text or "") for option in element.iter("option")]
            if element.tag == "textarea":
                offered = [element.text or ""]
            elif element.tag != "select":
                default = "on" if entry.kind in ("checkbox", "radio") else ""
                offered = [element.get("value", default)]
            entry.values.extend(value for value in offered if value not in entry.values)
        for name, values in SCRIPT_FIELDS.get(action, {}).items():
            fields.setdefault(name, Field("hidden", list(values)))
    return list(merged.items())


def demo_targets(fetch) -> dict[str, Target]:
    """The forms on the demo pages, named for what they are. `fetch(path)` returns a page's
    HTML (the test client's or a live server's)."""
    targets: dict[str, Target] = {}
    for path in DEMO_PAGES:
        for action, fields in forms_in(fetch(path), path):
            name = form_name(action, fields)
            if name == "lead magnet":  # the page id in the URL is fuzzed like a token
                page_id = action.split("/")[2]
                target = targets.setdefault(
                    name, Target(name, [("POST", "/lead-magnets/{token}/request/")])
                )
                target.tokens = [page_id]
            else:
                routes = [("POST", action)]
                if name == "consent":  # its GET is the settings page, with ?next=
                    routes.append(("GET", action))
                target = targets.setdefault(name, Target(name, routes))
            for field_name, found in fields.items():
                known = target.fields.setdefault(field_name, Field(found.kind))
                known.values.extend(v for v in found.values if v not in known.values)
    return targets


def form_name(action: str, fields: dict[str, Field]) -> str:
    if action == "/newsletter/signup/":
        page = fields.get("page")
        return "block sign-up" if page and any(page.values) else "footer sign-up"
    if action.startswith("/lead-magnets/"):
        return "lead magnet"
    if action == "/consent/":
        return "consent"
    if action == "/newsletter/privacy-request/":
        return "privacy request"
    if action == "/contact/":
        return "contact"
    return action


def token_target(name: str, tokens: list[str], page_html=None, page_path="/") -> Target:
    """A mail link's routes, with the fields of the page behind the first valid token."""
    target = Target(name, TOKEN_ROUTES[name], tokens=list(tokens))
    for action, fields in forms_in(page_html, page_path) if page_html else []:
        if tokens[0] not in action:  # the footer and consent forms on every page
            continue
        for field_name, found in fields.items():
            known = target.fields.setdefault(field_name, Field(found.kind))
            known.values.extend(v for v in found.values if v not in known.values)
    return target


def valid_values(fields: dict[str, Field]) -> dict[str, list[str]]:
    """What a person filling in the form would send: an address in e-mail fields, ticked
    boxes, the page's own hidden values and the first choice of every choice."""
    made_up = {
        "email": "reader@example.org",
        "tel": "+49 30 1234567",
        "textarea": "A question about the workshop.",
        "number": "1",
    }
    valid = {}
    for name, found in fields.items():
        if found.kind in made_up:
            valid[name] = [made_up[found.kind]]
        elif found.kind in ("hidden", "submit", "checkbox", "radio", "select"):
            valid[name] = found.values[:1]
        else:
            valid[name] = ["Ada"]
    if "website" in valid:  # the honeypot
        valid["website"] = [""]
    return valid


# --- Hostile values -----------------------------------------------------------------------


@dataclass(frozen=True)
class RawBytes:
    """Bytes sent as they are (`raw`) or percent-encoded: neither need be UTF-8."""

    data: bytes
    raw: bool = False


def invalid_utf8():
    lone = st.sampled_from([b"\xff", b"\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\x80", b"\xf8\x88"])
    mixed = st.tuples(st.binary(max_size=20), lone, st.binary(max_size=20)).map(b"".join)
    return st.builds(RawBytes, mixed, st.booleans())


def numbers():
    return st.one_of(
        st.integers(min_value=10**24, max_value=10**40).map(str),
        st.integers(min_value=-(10**30), max_value=-1).map(str),
        st.integers(min_value=0, max_value=2**64).map(str),
        st.floats().map(repr),
        st.sampled_from(
            ["1.5", "1e3", "0x10", "-0", " 1", "1 ", "１", "٣", "+1", "nan", "Infinity"]
        ),
    )


def hostile_values(offered=(), extra=None):
    """Anything a client can put into a field: the form's own values too, so the checks
    behind them are reached with their neighbours' values hostile."""
    strategies = [
        st.just(""),
        st.text(max_size=300),
        st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Co"]), min_size=1, max_size=30),
        st.sampled_from(["x", "é", "\x00", "<", "%", "😀"]).map(lambda char: char * 100_000),
        invalid_utf8(),
        numbers(),
        st.sampled_from(['"><script>alert(1)</script>', "'; DROP TABLE x;--", "../../etc/passwd"]),
    ]
    if offered:
        strategies.append(st.sampled_from(list(offered)))
    if extra is not None:
        strategies.append(extra)
    return st.one_of(*strategies)


def hostile_tokens(valid=()):
    """Junk of any length for a token in a URL, and damaged copies of valid tokens."""
    strategies = [
        st.text(min_size=1, max_size=300),
        st.text(st.characters(categories=["Cc"]), min_size=1, max_size=10),
        st.sampled_from(["x" * 3000, "." * 5, "%", "%00", "%2F"]),
        invalid_utf8(),
        numbers(),
    ]
    if valid:
        token = st.sampled_from(list(valid))
        strategies.append(
            st.tuples(token, st.text(max_size=5)).map(lambda pair: pair[0][:-3] + pair[1])
        )
    return st.one_of(*strategies)


@st.composite
def fuzz_requests(draw, target: Target, valid: dict, origin: str, extras: dict | None = None):
    """One request to `target`. `valid` maps each field to the values a person sends;
    `extras` maps field names to strategies of values only the caller can make (signed
    stamps of every kind, say, in the test that knows the secret key)."""
    extras = extras or {}
    method, route = draw(st.sampled_from(target.routes))
    path = route
    if "{token}" in route:
        use_valid = target.tokens and draw(st.booleans())
        token = (
            draw(st.sampled_from(target.tokens))
            if use_valid
            else draw(hostile_tokens(target.tokens))
        )
        path = route.replace("{token}", encode_part(token, path=True))
    pairs = draw(field_pairs(target, valid, extras))
    headers = {"Origin": origin}
    if target.name == "consent":  # consent.js asks for JSON; Sec-GPC comes from the browser
        if draw(st.booleans()):
            headers["Accept"] = "application/json"
        if draw(st.booleans()):
            headers["Sec-GPC"] = "1"
    if method == "GET":
        query = encode_pairs(pairs, in_url=True).decode()
        return FuzzRequest(method, f"{path}?{query}" if query else path, b"", headers)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return FuzzRequest(method, path, encode_pairs(pairs), headers)


# Checked before any other field is read, like the Origin header: hostile in one request in
# ten, together with every other field, so that most requests reach the form's own checks.
GUARDS = {"csrfmiddlewaretoken"}
MODES = ["one hostile", "some hostile", "all valid", "all hostile"]


@st.composite
def field_pairs(draw, target: Target, valid: dict, extras: dict):
    """The (name, value) pairs of one post: valid values, hostile ones, or none."""
    names = sorted(target.fields)
    fields = [name for name in names if name not in GUARDS]
    mode = draw(st.sampled_from(MODES))
    if draw(st.sampled_from([False] * 9 + [True])):
        hostile = set(names)
    elif not fields or mode == "all valid":
        hostile = set()
    elif mode == "one hostile":
        hostile = {draw(st.sampled_from(fields))}
    elif mode == "some hostile":
        hostile = set(draw(st.lists(st.sampled_from(fields), min_size=1, unique=True)))
    else:
        hostile = set(fields)
    pairs = []
    for name in names:
        if name not in hostile:
            pairs.extend((name, value) for value in valid.get(name, []))
            continue
        count = draw(st.sampled_from([0, 1, 2, 3]))  # missing, once, or repeated (a list)
        values = hostile_values(target.fields[name].values, extras.get(name))
        pairs.extend((name, draw(values)) for _ in range(count))
    if draw(st.integers(0, 9)) == 0:  # a field no form has, its name hostile too
        pairs.append((draw(hostile_values()), draw(hostile_values())))
    return pairs


def encode_part(value, *, in_url: bool = False, path: bool = False) -> str:
    """Percent-encoded UTF-8 for text; bytes percent-encoded, or as they are in a body
    (latin-1 maps each byte to one character and back)."""
    if isinstance(value, RawBytes):
        if value.raw and not (in_url or path):
            return value.data.decode("latin-1")
        return quote_from_bytes(value.data, safe="")
    return quote(value, safe="") if path else quote_plus(value)


def encode_pairs(pairs, *, in_url: bool = False) -> bytes:
    """An application/x-www-form-urlencoded body (or query string), raw bytes included."""
    encoded = (
        f"{encode_part(name, in_url=in_url)}={encode_part(value, in_url=in_url)}"
        for name, value in pairs
    )
    return "&".join(encoded).encode("latin-1")
