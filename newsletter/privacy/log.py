"""The log of data-subject requests (`DataRequest`): a new entry, and how an entry's outcome
reads in the audit log. Shared by the access and the erasure side."""

from ..models import DataRequest, email_hashes

NOTHING_HELD = "Nothing held about this address."


def new_request(kind, email, *, source, user=None) -> DataRequest:
    """An unsaved entry: the address only as a keyed hash."""
    return DataRequest(
        kind=kind, source=source, email_hash=email_hashes(email)[0], requested_by=user
    )


def mailchimp_erasure_failed(logged: DataRequest) -> bool:
    return str(logged.outcome.get("mailchimp", "")).startswith("failed")


def describe_outcome(logged: DataRequest) -> str:
    """One line for the audit log."""
    outcome = logged.outcome or {}
    parts = []
    if outcome.get("exported"):
        counts = ", ".join(f"{key} {n}" for key, n in outcome["exported"].items() if n)
        parts.append(f"exported: {counts}")
    if outcome.get("deleted"):
        counts = ", ".join(f"{label.split('.')[-1]} {n}" for label, n in outcome["deleted"].items())
        parts.append(f"deleted: {counts}")
    if outcome.get("mailchimp"):
        parts.append(f"Mailchimp: {outcome['mailchimp']}")
    return "; ".join(parts) or "—"
