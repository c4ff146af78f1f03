"""Version labels of legal pages ('1.0', '2.4.3'): checking, ordering and proposing the next
one. Plain functions of strings, so the admin forms and the page models can share them."""

import re

LABEL_PATTERN = r"\d{1,4}(?:\.\d{1,4}){0,2}"
LABEL_RE = re.compile(rf"^{LABEL_PATTERN}$")
FIRST_LABEL = "1.0"


def parse_label(label: str) -> tuple[int, int, int]:
    """'2.4' -> (2, 4, 0): labels compare as numbers, so 1.10 comes after 1.9."""
    parts = [int(part) for part in label.split(".")]
    return (*parts, *([0] * (3 - len(parts))))


def is_valid_label(label: str) -> bool:
    return bool(label) and bool(LABEL_RE.match(label))


def label_is_after(label: str, other: str) -> bool:
    return is_valid_label(label) and parse_label(label) > parse_label(other)


def next_label(label: str | None) -> str:
    """The label proposed after `label`: its last number plus one ('2.4.3' -> '2.4.4')."""
    if not label or not is_valid_label(label):
        return FIRST_LABEL
    *head, last = label.split(".")
    return ".".join([*head, str(int(last) + 1)])
