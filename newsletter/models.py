"""Contacts, the proof of their consent, and the outbox of changes to send to Mailchimp.

A sign-up stores all three in one transaction before anything that can fail runs; the
`db_worker` then drains the outbox (`newsletter.tasks`), so Mailchimp being slow or down never
loses a sign-up.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField

from .blocks import NewsletterSignupBlock


def normalise_email(email: str) -> str:
    """The key an address is unique by: trimmed and lower-cased (Mailchimp's subscriber
    hash is the MD5 of the same form)."""
    return email.strip().lower()


class Contact(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        SUBSCRIBED = "subscribed", "Subscribed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        CLEANED = "cleaned", "Cleaned (address bounced)"

    class SyncState(models.TextChoices):
        NOT_SYNCED = "not_synced", "Not synced yet"
        QUEUED = "queued", "Queued"
        SYNCED = "synced", "Synced"
        RETRYING = "retrying", "Retrying"
        FAILED = "failed", "Failed"
        OFF = "off", "Sync switched off"

    email = models.EmailField(max_length=254, help_text="As the person typed it.")
    email_key = models.CharField(max_length=254, unique=True, editable=False)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    tags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # GDPR Art. 7(1): how the confirmation happened (time, user agent, truncated address).
    confirmation_proof = models.JSONField(default=dict, blank=True)
    sync_state = models.CharField(
        max_length=20, choices=SyncState.choices, default=SyncState.NOT_SYNCED
    )
    last_sync_error = models.TextField(blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["sync_state"]), models.Index(fields=["status"])]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email_key = normalise_email(self.email)
        super().save(*args, **kwargs)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class SignupConsent(models.Model):
    """What a person agreed to when signing up: the exact checkbox text and its hash, the
    privacy-policy version in force, where, when. Append-only; no IP address."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=120, help_text="newsletter, leadmagnet:<slug>, …")
    consent_text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    privacy_version = models.ForeignKey(
        "legal.PolicyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_url = models.CharField(max_length=500, blank=True)
    given_at = models.DateTimeField(default=timezone.now)
    # GDPR Art. 7(3): a withdrawal is recorded like the consent it ends.
    withdrawn = models.BooleanField(default=False)

    class Meta:
        ordering = ["-given_at", "-pk"]

    def __str__(self):
        return f"{self.contact} {self.purpose} {self.given_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("Consent records are append-only.")
        super().save(*args, **kwargs)


class SyncJob(models.Model):
    """One change to bring to Mailchimp. Jobs of a contact run in creation order; a job is
    held while its contact is unconfirmed, retried with backoff on temporary errors, and
    stopped with a readable reason on permanent ones."""

    class Kind(models.TextChoices):
        UPSERT = "upsert", "Add or update member"
        UNSUBSCRIBE = "unsubscribe", "Unsubscribe"
        RESUBSCRIBE = "resubscribe", "Subscribe again after a fresh confirmation"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RETRYING = "retrying", "Retrying"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="sync_jobs")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.UPSERT)
    tags = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["contact", "state"])]

    def __str__(self):
        return f"{self.kind} {self.contact} ({self.state})"


class SyncAttempt(models.Model):
    """The sync history: one row per call to Mailchimp."""

    job = models.ForeignKey(SyncJob, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=20)  # ok, retry, failed
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"{self.job} {self.outcome} {self.started_at:%Y-%m-%d %H:%M:%S}"


@register_setting(icon="mail")
class NewsletterSettings(BaseSiteSetting):
    """The sign-up form in every page's footer (leave empty for none)."""

    footer_signup = StreamField(
        [("newsletter_signup", NewsletterSignupBlock())],
        blank=True,
        max_num=1,
        verbose_name="Footer sign-up form",
    )

    panels = [FieldPanel("footer_signup")]

    class Meta:
        verbose_name = "newsletter"
