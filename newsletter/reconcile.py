"""The nightly reconciliation: compare the Mailchimp audience with the contacts here and fix
what differs (`manage.py reconcile_mailchimp` runs it and prints its progress).

Webhooks bring most changes within minutes; this catches the ones lost on the way (the site
down for longer than Mailchimp's 75 minutes of retries, a disabled webhook, a failed re-read).
Withdrawal wins in both directions: an unsubscribe, archive or bounce in Mailchimp is applied
here, an unsubscribe here is sent to Mailchimp, and a subscribed state never re-subscribes
anyone. Only a confirmation here that is newer than Mailchimp's unsubscribe is sent there, as
the explicit subscribe it should have been (Mailchimp then mails its own opt-in); a contact
waiting for that opt-in is synced once Mailchimp has the member subscribed.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from . import inbound, mailchimp
from .models import Contact, SyncJob, normalise_email
from .outbox import IN_FLIGHT, SUBSCRIBING_JOBS, enqueue_sync

# Archived: deleted from the audience in Mailchimp, which ends the subscription as well.
WITHDRAWN_IN_MAILCHIMP = {"unsubscribed", "archived", "cleaned"}
# Mailchimp's pending members get its confirmation mail: also too much after an unsubscribe.
ON_THE_LIST_IN_MAILCHIMP = {"subscribed", "pending"}
# What apply_member's outcome is counted as; any other outcome is "left alone".
COUNTED_OUTCOMES = {
    inbound.UNSUBSCRIBED: "unsubscribed here",
    "cleaned": "cleaned here",
    inbound.SUBSCRIBE_QUEUED: "subscribe queued",
    inbound.SUBSCRIBE_ON_ITS_WAY: "already queued",
    inbound.OPT_IN_DONE: "opt-in done",
}


class ReconcileError(Exception):
    """The reconciliation cannot run, or stopped: the message says why."""


@dataclass
class Page:
    """One page of the audience, compared: for the progress report."""

    number: int
    offset: int  # of its first member
    size: int
    total: int  # members in the audience
    differences: int


def nobody(contact, text: str) -> None:
    pass


@dataclass
class Reconciliation:
    """One run: `run()` pages through the audience, then the contacts Mailchimp lacks.
    `counts` then holds what was done (or, on a dry run, would be), by kind; `note` hears
    one line per contact that differs."""

    dry_run: bool = False
    note: Callable[[Contact, str], None] = nobody
    counts: Counter = field(default_factory=Counter)
    seen: set[str] = field(default_factory=set)

    def run(self, page_size: int, on_page: Callable[[Page], None] = lambda page: None) -> int:
        """Reconcile the whole audience; returns how many Mailchimp members were compared."""
        if not mailchimp.is_configured():
            raise ReconcileError(
                "Mailchimp sync is off (MAILCHIMP_API_KEY or MAILCHIMP_AUDIENCE_ID is unset): "
                "nothing to reconcile."
            )
        if not 1 <= page_size <= 1000:
            raise ReconcileError("--page-size must be between 1 and 1000 (Mailchimp's limit).")
        offset = page_number = 0
        while True:
            try:
                page = mailchimp.list_members(offset=offset, count=page_size)
            except mailchimp.MailchimpError as error:
                # Without the whole audience nothing can be called missing: stop here.
                raise ReconcileError(
                    f"Reading Mailchimp failed at offset {offset}: {error}"
                ) from error
            members = page["members"]
            if not members:
                break
            page_number += 1
            found = self.reconcile_page(members)
            on_page(Page(page_number, offset, len(members), page["total_items"], found))
            offset += len(members)
            if offset >= page["total_items"]:
                break
        self.reconcile_missing()
        return len(self.seen)

    def reconcile_page(self, members: list[dict]) -> int:
        by_key = {normalise_email(str(m.get("email_address") or "")): m for m in members}
        self.seen.update(by_key)
        found = 0
        for contact in Contact.objects.filter(email_key__in=by_key).order_by("pk"):
            member = by_key[contact.email_key]
            status = member.get("status")
            if status in WITHDRAWN_IN_MAILCHIMP and contact.status == Contact.Status.SUBSCRIBED:
                found += 1
                self.apply_here(contact, member)
            elif (
                status == "subscribed"
                and contact.status == Contact.Status.SUBSCRIBED
                and contact.sync_state == Contact.SyncState.AWAITING_MAILCHIMP
            ):
                # The person finished the opt-in Mailchimp mailed when it refused our subscribe.
                found += 1
                self.apply_here(contact, member)
            elif (
                status in ON_THE_LIST_IN_MAILCHIMP and contact.status == Contact.Status.UNSUBSCRIBED
            ):
                found += 1
                self.queue(contact, SyncJob.Kind.UNSUBSCRIBE, f"{status} in Mailchimp")
        return found

    def reconcile_missing(self) -> None:
        """Confirmed subscribers Mailchimp does not know (a lost or failed sync). A member
        skipped because the audience shifted while paging only costs a harmless upsert."""
        subscribed = Contact.objects.filter(
            status=Contact.Status.SUBSCRIBED, confirmed_at__isnull=False
        ).order_by("pk")
        for contact in subscribed.iterator():
            if contact.email_key in self.seen:
                continue
            if contact.returned_after_erasure:
                # Mailchimp refuses erased addresses ("Forgotten Email Not Subscribed").
                self.note(contact, "missing in Mailchimp, erased there before: left alone")
                self.counts["left alone"] += 1
                continue
            last_job = contact.sync_jobs.order_by("-pk").first()
            if last_job and last_job.state == SyncJob.State.FAILED:
                # Shown on the sync screen with its reason; queueing it nightly fixes nothing.
                self.note(contact, f"missing in Mailchimp, last sync failed: {last_job.last_error}")
                self.counts["left alone"] += 1
                continue
            self.queue(contact, SyncJob.Kind.UPSERT, "missing in Mailchimp")

    def apply_here(self, contact, member) -> None:
        status = member.get("status")
        if self.dry_run:
            outcome, counted = self.predict(contact, member)
            self.note(contact, f"{status} in Mailchimp: {outcome}")
            self.counts[counted] += 1
            return
        with transaction.atomic():
            outcome = inbound.apply_member(member, source=inbound.RECONCILE_SOURCE)
        self.note(contact, f"{status} in Mailchimp: {outcome}")
        self.counts[COUNTED_OUTCOMES.get(outcome, "left alone")] += 1

    @staticmethod
    def predict(contact, member) -> tuple[str, str]:
        """What apply_here would do, without doing it: (note, count)."""
        status = member.get("status")
        if status == "subscribed":
            return "would be synced (Mailchimp's opt-in is done)", "opt-in done"
        if status != "cleaned" and inbound.confirmed_after_change(contact, member):
            outcome = inbound.explicit_subscribe_outcome(contact)
            if outcome == inbound.SUBSCRIBE_QUEUED:
                return "confirmed here later: would queue subscribe", "subscribe queued"
            return outcome, COUNTED_OUTCOMES.get(outcome, "left alone")
        if status == "cleaned":
            return "would be cleaned here", "cleaned here"
        return "would be unsubscribed here", "unsubscribed here"

    def queue(self, contact, kind, reason: str) -> None:
        kinds = SUBSCRIBING_JOBS if kind == SyncJob.Kind.UPSERT else [kind]
        if contact.sync_jobs.filter(state__in=IN_FLIGHT, kind__in=kinds).exists():
            self.note(contact, f"{reason}: a {kind} job is already queued")
            self.counts["already queued"] += 1
            return
        self.note(contact, f"{reason}: {'would queue' if self.dry_run else 'queued'} {kind}")
        self.counts[f"{kind} queued"] += 1
        if not self.dry_run:
            with transaction.atomic():
                enqueue_sync(contact, kind=kind)
