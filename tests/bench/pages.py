"""Page throughput (issue 6/6): how close the cached privacy policy comes to a static file.

One run, one machine, the same wrk flags for every URL (the machine is shared and noisy, so
only ratios taken in one run mean something; each URL is measured ROUNDS times, in turns,
and its best run counts):

- the published privacy policy from the page cache, against a whitenoise static file served
  by the same gunicorn (target: at least 0.5; stock Wagtail renders at about 0.09), with the
  p99 latency of both;
- the same page on a cache miss (a second gunicorn with PAGE_CACHE_ENABLED=0), the cost of
  rendering it, against the welcome page of a stock `wagtail start` project served by the
  same gunicorn command with the same two sync workers.
"""

import contextlib
import re
import shutil
import subprocess

from website import gunicorn_conf

from .demo_site import STOCK_DIR, WORKERS, Server, fetch, prepare, prepare_stock, say

WRK_ARGS = ["-t2", "-c16", "-d10s", "--latency"]
PAGE = "/privacy/"
TARGET_RATIO = 0.5
ROUNDS = 3


def wrk(server: Server, path: str) -> dict:
    """Requests/s and p99 (ms) of one wrk run; errors, non-2xx answers and the workers that
    gunicorn recycled meanwhile counted."""
    say(f"wrk {' '.join(WRK_ARGS)} {server.base}{path}")
    restarts = server.worker_restarts()
    output = subprocess.run(
        ["wrk", *WRK_ARGS, server.base + path], check=True, capture_output=True, text=True
    ).stdout
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p99": float(p99.group(1)) * scale,
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
        "restarts": server.worker_restarts() - restarts,
    }


def describe(result: dict) -> str:
    text = f"{result['rps']:,.0f} req/s"
    if result["non_2xx"]:
        text += f" ({result['non_2xx']} of {result['requests']} answers not 2xx/3xx!)"
    if result["socket_errors"]:
        text += f" (socket errors: {result['socket_errors']})"
    if result["restarts"]:
        text += f" ({result['restarts']} worker restarts by max_requests)"
    return text


def cache_state(server: Server, path: str) -> str | None:
    """The X-Cache header of a second GET (the first may fill the cache); None if absent."""
    fetch(server.base + path)
    status, headers, _ = fetch(server.base + path)
    assert status == 200, f"{path} answered {status}"
    return headers.get("x-cache")


def warm(server: Server, path: str) -> None:
    """Fill the cache of every worker: with the local-memory cache each has its own, and
    which worker answers is the kernel's choice. Done after eight hits in a row."""
    hits = 0
    for _ in range(60):
        hits = hits + 1 if fetch(server.base + path)[1].get("x-cache") == "hit" else 0
        if hits == 8:
            return


def static_file_url(server: Server) -> str:
    """The hashed stylesheet URL the page itself links to (whitenoise serves it)."""
    _, _, html = fetch(server.base + PAGE)
    match = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', html)
    assert match, "no hashed site.css link on the page: is collectstatic's manifest in use?"
    return match.group(1)


def best(results: list[dict]) -> dict:
    """The run with the most requests/s: on a shared machine noise only ever slows a run."""
    return max(results, key=lambda result: result["rps"])


def measure() -> list[dict]:
    if not shutil.which("wrk"):
        return [{"figure": "Page throughput", "value": "not measured: wrk missing", "target": ""}]
    env = prepare()
    stock_env = prepare_stock()
    runs = {"static": [], "cached": [], "miss": [], "stock": []}
    with contextlib.ExitStack() as servers:
        # All three up at once (idle ones cost memory, not CPU), measured in turns, so each
        # ratio compares runs a few seconds apart.
        cache_on = servers.enter_context(Server(env, name="pages-cache-on"))
        cache_off = servers.enter_context(
            Server({**env, "PAGE_CACHE_ENABLED": "0"}, name="pages-cache-off")
        )
        stock_site = servers.enter_context(
            Server(stock_env, name="pages-stock", wsgi="stockbench.wsgi", cwd=STOCK_DIR, ready="/")
        )
        say(f"page cache on: {cache_on.base}, off: {cache_off.base}, stock: {stock_site.base}")
        static_url = static_file_url(cache_on)
        warm(cache_on, PAGE)
        cached_state = cache_state(cache_on, PAGE)
        miss_state = cache_state(cache_off, PAGE)
        for round_ in range(1, ROUNDS + 1):
            say(f"round {round_} of {ROUNDS}")
            runs["static"].append(wrk(cache_on, static_url))
            warm(cache_on, PAGE)  # a recycled worker starts with an empty local-memory cache
            runs["cached"].append(wrk(cache_on, PAGE))
            runs["miss"].append(wrk(cache_off, PAGE))
            runs["stock"].append(wrk(stock_site, "/"))
    static, cached, miss, stock = (best(runs[key]) for key in runs)

    if cached_state is None:
        cache_note = "no X-Cache header: no page cache in this tree, so this is a render"
    elif cached_state.lower() != "hit":
        cache_note = f"X-Cache: {cached_state}: NOT served from the cache"
    else:
        cache_note = "X-Cache: hit"
    if miss_state is not None and miss_state.lower() == "hit":
        miss_note = "X-Cache: hit despite PAGE_CACHE_ENABLED=0: NOT a miss"
    else:
        miss_note = f"X-Cache: {miss_state}" if miss_state else "no X-Cache header"
    ratio = cached["rps"] / static["rps"]
    return [
        {
            "figure": f"Privacy policy {PAGE}, page cache warm ({cache_note})",
            "value": describe(cached),
            "target": "",
        },
        {
            "figure": f"Static file {static_url} (whitenoise, same gunicorn)",
            "value": describe(static),
            "target": "",
        },
        {
            "figure": "Cached page / static file, req/s",
            "value": f"{ratio:.2f}",
            "target": f">= {TARGET_RATIO} ({'met' if ratio >= TARGET_RATIO else 'MISSED'}; "
            "stock Wagtail: 0.09)",
        },
        {
            "figure": "p99 latency, cached page / static file",
            "value": f"{cached['p99']:.1f} ms / {static['p99']:.1f} ms",
            "target": "",
        },
        {
            "figure": f"Privacy policy {PAGE}, cache miss ({miss_note})",
            "value": f"{describe(miss)}, p99 {miss['p99']:.1f} ms",
            "target": "",
        },
        {
            "figure": "Stock Wagtail 8 home page (`wagtail start`, same gunicorn)",
            "value": f"{describe(stock)}, p99 {stock['p99']:.1f} ms",
            "target": "",
        },
        {
            "figure": "Cache miss / stock Wagtail home, req/s",
            "value": f"{miss['rps'] / stock['rps']:.2f}",
            "target": "",
        },
        {
            "figure": "Load",
            "value": f"wrk {' '.join(WRK_ARGS)}, best of {ROUNDS} runs per URL, in turns; "
            "gunicorn with website.gunicorn_conf, "
            f"{WORKERS} sync workers, max_requests {gunicorn_conf.max_requests} "
            f"(+ up to {gunicorn_conf.max_requests_jitter}); page cache in files (no REDIS_URL)",
            "target": "",
        },
    ]
