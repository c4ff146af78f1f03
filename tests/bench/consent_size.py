"""Bytes the consent manager adds to a page: its JavaScript and CSS, raw and gzip -9 (what
whitenoise serves pre-compressed). Target: at most 5 KB gzipped in total."""

import gzip
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FILES = [ROOT / "legal/static/legal/consent.js", ROOT / "legal/static/legal/consent.css"]
TARGET_GZIP_BYTES = 5 * 1024


def measure() -> list[dict]:
    rows, total = [], 0
    for path in FILES:
        raw = path.read_bytes()
        packed = len(gzip.compress(raw, compresslevel=9, mtime=0))
        total += packed
        rows.append(
            {
                "figure": f"{path.name} (raw / gzip)",
                "value": f"{len(raw)} B / {packed} B",
                "target": "",
            }
        )
    verdict = "met" if total <= TARGET_GZIP_BYTES else "MISSED"
    rows.append(
        {
            "figure": "Consent manager JS + CSS, gzip",
            "value": f"{total} B",
            "target": f"<= {TARGET_GZIP_BYTES} B ({verdict})",
        }
    )
    return rows
