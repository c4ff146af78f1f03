"""Version labels of legal pages, as the business numbers them: "3", "2.4.3", "V2.4.3",
"Version 2.1", "2026-02". Checking, ordering, proposing the next one and their URL form.
Plain functions of strings, so the admin forms, the page models and the archive share them.

The rules:
- A label is an optional prefix of ASCII letters (words joined by spaces, dots or hyphens,
  "V", "Rev. ", "Version ") and one to four numbers joined by dots or hyphens.
- Labels compare by their numbers only, missing parts counting 0: "2" = "2.0" = "V2.0.0",
  and "1.10" comes after "1.9". The prefix is the business's own style, shown as typed and
  kept in proposals, but it never decides the order (so "V2.5" after "2.4.3" is fine).
- The next label adds one to the last number and keeps the prefix, the separators and the
  number's zero padding ("V2.4.3" -> "V2.4.4", "2026-02" -> "2026-03"). A year-month scheme
  ("2026-02", "2026.02") rolls over to January of the next year and, given today's date,
  jumps to the current month: that is what such a label means.
- In URLs a label keeps letters, digits, dots and hyphens; any other run of characters (a
  space) becomes one hyphen: "Version 2.1" is /versions/Version-2.1/, "2.0" stays /2.0/.
"""

import datetime
import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError

FIRST_LABEL = "1.0"
MAX_PARTS = 4
PREFIX_PATTERN = r"[A-Za-z]+(?:[ .\-]+[A-Za-z]+)*\.?[ \-]?"
NUMBERS_PATTERN = rf"\d{{1,6}}(?:[.\-]\d{{1,6}}){{0,{MAX_PARTS - 1}}}"
LABEL_RE = re.compile(rf"(?P<prefix>{PREFIX_PATTERN})?(?P<numbers>{NUMBERS_PATTERN})")
NUMBER_RE = re.compile(r"\d+")
# A label's URL form (`label_slug`): what the archive's routes accept. Old numeric labels
# ("2.0") are their own URL form, so their addresses never changed.
URL_LABEL_PATTERN = r"[A-Za-z0-9][A-Za-z0-9.\-]{0,59}"
INVALID_MESSAGE = (
    "Use numbers like 3, 2.1 or 2026-02, with a prefix if you like: V2.4.3, Version 2.1."
)


def is_valid_label(label: str) -> bool:
    return bool(label) and LABEL_RE.fullmatch(label) is not None


def validate_version_label(value: str) -> None:
    """The form field's validator: a label the archive can order."""
    if not is_valid_label(value):
        raise ValidationError(INVALID_MESSAGE, code="invalid")


def label_numbers(label: str) -> tuple[int, ...]:
    """'V2.4' -> (2, 4, 0, 0): the label's place in the order. Only call with a valid label."""
    parts = [int(part) for part in NUMBER_RE.findall(LABEL_RE.fullmatch(label)["numbers"])]
    return (*parts, *([0] * (MAX_PARTS - len(parts))))


def label_is_after(label: str, other: str) -> bool:
    """Whether `label` is a valid label numbered higher than `other` (an invalid `other`,
    from before labels were checked, is passed by any valid label)."""
    if not is_valid_label(label):
        return False
    return not is_valid_label(other) or label_numbers(label) > label_numbers(other)


def same_number(label: str, other: str) -> bool:
    """'V2.1' and '2.1.0' name the same version number."""
    return (
        is_valid_label(label)
        and is_valid_label(other)
        and label_numbers(label) == label_numbers(other)
    )


def next_label(label: str | None, today: datetime.date | None = None) -> str:
    """The label proposed after `label`, in its style (see the module's rules)."""
    if not label or not is_valid_label(label):
        return FIRST_LABEL
    match = LABEL_RE.fullmatch(label)
    numbers = match["numbers"]
    head = label[: match.start("numbers")]
    year_month = re.fullmatch(r"((?:19|20|21)\d{2})([.\-])(\d{2})", numbers)
    if year_month and 1 <= int(year_month[3]) <= 12:
        year, separator, month = int(year_month[1]), year_month[2], int(year_month[3])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        if today is not None and (today.year, today.month) > (year, month):
            year, month = today.year, today.month
        return f"{head}{year:04d}{separator}{month:02d}"
    last = list(NUMBER_RE.finditer(numbers))[-1]
    bumped = str(int(last[0]) + 1).zfill(len(last[0]))
    return f"{head}{numbers[: last.start()]}{bumped}"


def next_free_label(label: str, taken: Iterable[str], today: datetime.date | None = None) -> str:
    """The next label after `label` that no version of the page holds yet (a withdrawn
    version keeps its label: the log and the consent records still name it)."""
    taken = set(taken)
    candidate = next_label(label, today)
    while candidate in taken:
        candidate = next_label(candidate)
    return candidate


def highest_label(labels: Iterable[str]) -> str | None:
    valid = [label for label in labels if is_valid_label(label)]
    return max(valid, key=label_numbers) if valid else None


def label_slug(label: str) -> str:
    """The label as it appears in archive URLs: "Version 2.1" -> "Version-2.1"."""
    return re.sub(r"[^A-Za-z0-9.\-]+", "-", label).strip("-")


def version_name(label: str) -> str:
    """How a sentence names the version: "version 2.1", but "V2.4.3" and "Version 2.1" as
    the business wrote them."""
    return label if label[:1].isalpha() else f"version {label}"
