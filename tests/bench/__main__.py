"""Run every benchmark and print one table: `make bench` (or `python -m tests.bench`).

Each module measures one promise and returns rows of (figure, value, target); the table is
also written to var/bench/results.md so a run can be quoted exactly.
"""

import sys
from pathlib import Path

from . import consent_size, lighthouse, pages, signups

BENCHMARKS = [
    ("Consent manager size (issue 3/6)", consent_size.measure),
    ("Sign-ups and Mailchimp sync (issue 4/6)", signups.measure),
    ("Page throughput: page cache, static file, stock Wagtail (issue 6/6)", pages.measure),
    ("Lighthouse with the cookie banner showing (issue 6/6)", lighthouse.measure),
]


def main() -> int:
    lines = ["| figure | value | target |", "| --- | --- | --- |"]
    for title, measure in BENCHMARKS:
        print(f"== {title}", flush=True)  # noqa: T201 (progress output of a command)
        lines.append(f"| **{title}** | | |")
        for row in measure():
            lines.append(f"| {row['figure']} | {row['value']} | {row['target']} |")
    table = "\n".join(lines)
    print(table)  # noqa: T201
    out = Path(__file__).resolve().parents[2] / "var" / "bench" / "results.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table + "\n")
    print(f"\nWritten to {out}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
