"""The hosts third-party code on public pages talks to, per built-in service type, for the
Content-Security-Policy in the settings.

Plain data, no models: the settings import this module before any app is loaded. Keys are
`ServiceType` values; a test keeps both in step. Scripts need no hosts here: the policy's
script-src trusts what consent.js (which carries the nonce) adds, through 'strict-dynamic'.
A custom script's hosts are the editor's to declare, through CSP_EXTRA_HOSTS.
"""

# Google's guide "Use Tag Manager with a Content Security Policy"
# (developers.google.com/tag-platform/security/guides/csp), section per tag.
GOOGLE_ANALYTICS = {
    "img-src": ["https://*.google-analytics.com", "https://*.googletagmanager.com"],
    "connect-src": [
        "https://*.google-analytics.com",
        "https://*.analytics.google.com",
        "https://*.googletagmanager.com",
        # Google signals (cross-device reports) collect through these two.
        "https://*.g.doubleclick.net",
        "https://www.google.com",
    ],
}
GOOGLE_TAG_MANAGER = {
    "img-src": ["https://www.googletagmanager.com"],
    "connect-src": ["https://www.googletagmanager.com", "https://www.google.com"],
}
GOOGLE_ADS = {
    "img-src": [
        "https://www.googletagmanager.com",
        "https://www.googleadservices.com",
        "https://googleads.g.doubleclick.net",
        "https://pagead2.googlesyndication.com",
        "https://www.google.com",
    ],
    "connect-src": [
        "https://www.googletagmanager.com",
        "https://www.googleadservices.com",
        "https://googleads.g.doubleclick.net",
        "https://pagead2.googlesyndication.com",
        "https://www.google.com",
    ],
    # Remarketing audiences join through these frames.
    "frame-src": ["https://bid.g.doubleclick.net", "https://td.doubleclick.net"],
}
# Meta's pixel documentation: the library from connect.facebook.net, events to facebook.com.
META_PIXEL = {
    "img-src": ["https://www.facebook.com"],
    "connect-src": ["https://www.facebook.com", "https://connect.facebook.net"],
}

SERVICE_TYPE_HOSTS = {
    "ga4": GOOGLE_ANALYTICS,
    "gtm": GOOGLE_TAG_MANAGER,
    "google_ads": GOOGLE_ADS,
    "meta_pixel": META_PIXEL,
}

# reCAPTCHA FAQ ("I'm using CSP, how can I configure it to work with reCAPTCHA?"): api.js
# opens its frames from these two. Its badge is markup with style attributes, which only
# 'unsafe-inline' lets through (google/recaptcha#107); style-src-attr confines that to
# attributes, so style elements and every script stay nonce-only.
RECAPTCHA = {
    "frame-src": ["https://www.google.com/recaptcha/", "https://recaptcha.google.com/recaptcha/"],
    "style-src-attr": ["'unsafe-inline'"],
}


def merge_hosts(*sources: dict[str, list[str]]) -> dict[str, list[str]]:
    """One host list per directive, in first-seen order, without repeats and without hosts
    a wildcard in the same list already covers (https://*.example.com covers www.)."""
    merged: dict[str, list[str]] = {}
    for source in sources:
        for directive, hosts in source.items():
            known = merged.setdefault(directive, [])
            known.extend(host for host in hosts if host not in known)
    return {directive: _without_covered(hosts) for directive, hosts in merged.items()}


def _without_covered(hosts: list[str]) -> list[str]:
    wildcards = [host.split("*", 1) for host in hosts if "://*." in host]
    return [
        host
        for host in hosts
        if "://*." in host
        or not any(
            host.startswith(scheme) and host.endswith(suffix) and "/" not in host[len(scheme) :]
            for scheme, suffix in wildcards
        )
    ]
