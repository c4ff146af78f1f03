"""Contacts, the proof of their consent, and the outbox of changes to send to Mailchimp.

A sign-up stores all three in one transaction before anything that can fail runs; the
`db_worker` then drains the outbox (`newsletter.outbox`), so Mailchimp being slow or down never
loses a sign-up.
"""

import secrets
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import PreviewableMixin
from wagtail.search import index

from legal.hashing import text_hash
from legal.models import LegalKind, PolicyVersion

from . import mail_texts
from .blocks import NewsletterSignupBlock


def normalise_email(email: str) -> str:
    """The key an address is unique by: trimmed and lower-cased (Mailchimp's subscriber
    hash is the MD5 of the same form)."""
    return email.strip().lower()


def email_hashes(email: str) -> list[str]:
    """Keyed hashes of an address under SECRET_KEY and each of SECRET_KEY_FALLBACKS, newest
    first: suppressions and request logs match the address without storing it, and still
    match after a key rotation."""
    key = normalise_email(email)
    return [
        salted_hmac("newsletter.email-hash.v1", key, secret=secret, algorithm="sha256").hexdigest()
        for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    ]


def new_link_key() -> str:
    """The random part of a link in a mail (unsubscribe, preferences, a privacy request, a
    download): 192 bits from the operating system's CSPRNG, URL-safe. Links carry it instead
    of a database id, which counts up and tells how many people signed up before."""
    return secrets.token_urlsafe(24)


class Contact(models.Model):
    class Status(models.TextChoices):
        """The newsletter's status, as Mailchimp names them: only `subscribed` receives it."""

        PENDING = "pending", "Waiting for confirmation"
        SUBSCRIBED = "subscribed", "Subscribed"
        # Confirmed the address for something else (a lead magnet), not for the newsletter.
        TRANSACTIONAL = "transactional", "Confirmed, not on the newsletter"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        CLEANED = "cleaned", "Cleaned (address bounced)"

    class SyncState(models.TextChoices):
        NOT_SYNCED = "not_synced", "Not synced yet"
        QUEUED = "queued", "Queued"
        SYNCED = "synced", "Synced"
        RETRYING = "retrying", "Retrying"
        # Mailchimp refused to subscribe again (compliance state) and mailed its own opt-in.
        AWAITING_MAILCHIMP = "awaiting", "Awaiting Mailchimp's confirmation"
        FAILED = "failed", "Failed"
        OFF = "off", "Sync switched off"

    email = models.EmailField(max_length=254, help_text="As the person typed it.")
    email_key = models.CharField(max_length=254, unique=True, editable=False)
    # In the contact's unsubscribe and preference links, signed: never the database id.
    link_key = models.CharField(max_length=40, unique=True, default=new_link_key, editable=False)
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
    # Topics the person chose in the preference centre (Mailchimp interests or tags).
    topics = models.ManyToManyField("NewsletterTopic", blank=True, related_name="contacts")
    # An address that was erased on request and signed up again: shown to editors, never
    # silently re-imported (GDPR Art. 17 suppression).
    returned_after_erasure = models.BooleanField(default=False)
    # Mailchimp answered "Forgotten Email Not Subscribed": the address was deleted there
    # for good and only Mailchimp's own hosted form can add it again.
    forgotten_in_mailchimp = models.BooleanField(default=False)
    # The language the person used the site in: their mails, and Mailchimp's `language`.
    language = models.CharField(max_length=10, blank=True)

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


class ConsentChannel(models.TextChoices):
    """Where a sign-up came from, or a consent was given or withdrawn."""

    FORM = "form", "A sign-up form on a page"
    FOOTER = "footer", "The footer's sign-up form"
    PREFERENCE_CENTRE = "preference-centre", "The preference centre"
    UNSUBSCRIBE_LINK = "unsubscribe-link", "The unsubscribe link in a mail"
    UNSUBSCRIBE_UNDO = "unsubscribe-undo", "Undo on the unsubscribe page"
    MAILCHIMP_WEBHOOK = "mailchimp-webhook", "Mailchimp, by its webhook"
    MAILCHIMP_RECONCILE = "mailchimp-reconcile", "Mailchimp, found by the reconciliation"


def new_request_key() -> str:
    return secrets.token_urlsafe(24)


class SignupRequest(models.Model):
    """One sign-up as the form took it: the purposes asked for with the texts shown, the
    tags, where and when. Stored before anything can fail, but nothing of it takes effect
    (consent records, tags, Mailchimp) until the mailbox's owner confirms it with the link
    mailed to them, which works once. So nobody changes another person's contact by typing
    their address into a form."""

    # Random, in the confirmation link: the link names no database id and no address.
    key = models.CharField(max_length=40, unique=True, default=new_request_key, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="signup_requests")
    consents = models.JSONField(default=list, help_text="[{purpose, text}] as shown.")
    tags = models.JSONField(default=list, blank=True)
    # Names and phone as typed: applied to the contact only once the request is confirmed.
    details = models.JSONField(default=dict, blank=True)
    privacy_version = models.ForeignKey(
        "legal.PolicyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(
        max_length=30, choices=ConsentChannel.choices, default=ConsentChannel.FORM
    )
    page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    page_url = models.CharField(max_length=500, blank=True)
    cookie_consent_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    mailed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.contact} {', '.join(self.purposes)} {self.created_at:%Y-%m-%d}"

    @property
    def purposes(self) -> list[str]:
        return [consent["purpose"] for consent in self.consents]


class ConsentEventManager(models.Manager):
    def record(
        self,
        contact,
        *,
        purpose: str,
        text: str,
        channel: str,
        withdrawn: bool = False,
        privacy_version=None,
        page=None,
        page_url: str = "",
        cookie_consent_id: str = "",
        occurred_at=None,
    ) -> "ConsentEvent":
        """Record one consent given or withdrawn: the only way rows are written.

        Stores the exact `text` the person saw (or, for a change made elsewhere, the words
        describing it), its SHA-256, and the privacy-policy version in force when it happened
        (`privacy_version` when the caller knows the one that was shown, as a sign-up does)."""
        occurred_at = occurred_at or timezone.now()
        if privacy_version is None:
            privacy_version = PolicyVersion.objects.in_force(
                LegalKind.PRIVACY, timezone.localdate(occurred_at)
            )
        return self.create(
            contact=contact,
            purpose=purpose,
            action=ConsentEvent.Action.WITHDRAWN if withdrawn else ConsentEvent.Action.GIVEN,
            text=text,
            text_sha256=text_hash(text),
            privacy_version=privacy_version,
            channel=channel,
            page=page,
            page_url=page_url[:500],
            cookie_consent_id=cookie_consent_id,
            occurred_at=occurred_at,
        )


class ConsentEvent(models.Model):
    """One consent given or withdrawn (GDPR Art. 7(1) and 7(3)): for the newsletter, a lead
    magnet or a topic. The exact text and its hash, the privacy-policy version in force, the
    channel it came through, where and when. Append-only; no IP address."""

    class Action(models.TextChoices):
        GIVEN = "given", "Given"
        WITHDRAWN = "withdrawn", "Withdrawn"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consent_events")
    purpose = models.CharField(
        max_length=120, help_text="newsletter, leadmagnet:<slug> or topic:<slug>"
    )
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.GIVEN)
    text = models.TextField(help_text="The exact words shown, or what the change was.")
    text_sha256 = models.CharField(max_length=64)
    privacy_version = models.ForeignKey(
        "legal.PolicyVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=30, choices=ConsentChannel.choices)
    page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    page_url = models.CharField(max_length=500, blank=True)
    # The visitor's pseudonymous cookie-consent id at the time (legal.ConsentRecord), so an
    # access or erasure request can include the cookie decisions made in the same browser.
    cookie_consent_id = models.CharField(max_length=40, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    objects = ConsentEventManager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]

    def __str__(self):
        return f"{self.contact} {self.purpose} {self.action} {self.occurred_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("Consent records are append-only.")
        super().save(*args, **kwargs)

    @property
    def withdrawn(self) -> bool:
        return self.action == self.Action.WITHDRAWN


class SyncJobQuerySet(models.QuerySet):
    def requeue(self) -> int:
        """Back in the outbox, due now, with a fresh 24-hour retry window: an editor's retry
        of failed jobs."""
        now = timezone.now()
        return self.update(
            state=SyncJob.State.QUEUED, attempts=0, created_at=now, next_attempt_at=now
        )


class SyncJob(models.Model):
    """One change to bring to Mailchimp. Jobs of a contact run in creation order; a job is
    held while its contact is unconfirmed, retried with backoff on temporary errors, and
    stopped with a readable reason on permanent ones."""

    class Kind(models.TextChoices):
        UPSERT = "upsert", "Add or update member"
        UNSUBSCRIBE = "unsubscribe", "Unsubscribe"
        RESUBSCRIBE = "resubscribe", "Subscribe after a fresh confirmation"
        TOPICS = "topics", "Update topics (interests and tags)"
        ERASE = "erase", "Delete permanently (erasure request)"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RETRYING = "retrying", "Retrying"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    # Empty only for an erasure, whose contact is already gone: `payload` then holds the
    # Mailchimp subscriber hash until the deletion is done.
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="sync_jobs"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.UPSERT)
    tags = models.JSONField(default=list, blank=True)
    # Kind-specific data: {"topics": {...}} for TOPICS, {"subscriber_hash", "data_request"}
    # for ERASE.
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Set while a worker calls Mailchimp for this job (outside any transaction): no other
    # worker starts a job of the same contact until it is cleared or runs out.
    leased_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = SyncJobQuerySet.as_manager()

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


class NewsletterTopic(index.Indexed, models.Model):
    """A topic people can choose in the preference centre. In Mailchimp it is an interest
    (group) when an interest id is set, otherwise a tag `topic:<slug>`."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.CharField(max_length=300, blank=True)
    mailchimp_interest_id = models.CharField(
        max_length=40,
        blank=True,
        help_text="The audience's interest id (Audience → Groups); blank: synced as a tag.",
    )
    sort_order = models.PositiveIntegerField(default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("mailchimp_interest_id"),
        FieldPanel("sort_order"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = "newsletter topic"

    def __str__(self):
        return self.name

    @property
    def tag(self) -> str:
        return f"topic:{self.slug}"


class Suppression(models.Model):
    """An erased address, kept only as a keyed hash (GDPR Art. 17(3) and Recital 66: enough
    to honour the erasure, not enough to read the address back)."""

    email_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=200, default="Erasure request")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email_hash[:12]}… ({self.created_at:%Y-%m-%d})"

    @classmethod
    def covers(cls, email: str) -> bool:
        return cls.objects.filter(email_hash__in=email_hashes(email)).exists()

    @classmethod
    def add(cls, email: str, reason: str = "Erasure request") -> "Suppression":
        if cls.covers(email):
            return cls.objects.filter(email_hash__in=email_hashes(email)).first()
        return cls.objects.create(email_hash=email_hashes(email)[0], reason=reason)


class DataRequest(models.Model):
    """The audit log of data-subject requests (GDPR Art. 12(3): answer within a month, and
    be able to show that it was). Holds the address only as its keyed hash; a request from
    the public form also holds it as typed while it waits for the mailed link, whose click
    it is for (`pending_email`)."""

    class Kind(models.TextChoices):
        ACCESS = "access", "Access / export (Art. 15, 20)"
        ERASURE = "erasure", "Erasure (Art. 17)"

    class Source(models.TextChoices):
        ADMIN = "admin", "Admin"
        COMMAND = "command", "Management command"
        PUBLIC_FORM = "public_form", "Public privacy-request form"

    class Status(models.TextChoices):
        AWAITING_CONFIRMATION = "awaiting", "Waiting for the person to confirm"
        DONE = "done", "Done"
        NOTHING_HELD = "nothing_held", "Nothing held"
        EXPIRED = "expired", "Not confirmed in time"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=20, choices=Source.choices)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.AWAITING_CONFIRMATION
    )
    email_hash = models.CharField(max_length=64, db_index=True)
    # In the confirmation link of a public-form request, signed: no id, no address.
    key = models.CharField(max_length=40, unique=True, default=new_link_key, editable=False)
    # What the confirmed link acts on, so the link need not carry it; emptied as soon as the
    # request is confirmed or expires (GDPR Art. 5(1)(c), (e)).
    pending_email = models.EmailField(max_length=254, blank=True, editable=False)
    requested_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # What was done: counts of what was exported or deleted, Mailchimp's part.
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        when = f"{self.requested_at:%Y-%m-%d}"
        return f"{self.get_kind_display()} {when} ({self.get_status_display()})"


class WebhookEvent(models.Model):
    """A Mailchimp webhook delivery, kept to apply each event once: Mailchimp retries for
    about 75 minutes and the payload carries no event id."""

    dedupe_key = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(max_length=20)
    subscriber_hash = models.CharField(max_length=32, blank=True)
    fired_at = models.CharField(max_length=30, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    deliveries = models.PositiveIntegerField(default=1)
    applied_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return f"{self.event_type} {self.fired_at}"


def subject_field(wording: mail_texts.MailWording):
    return models.CharField(
        "Subject",
        max_length=150,
        default=wording.subject,
        validators=[
            mail_texts.validate_single_line,
            mail_texts.PlaceholderValidator(tuple(wording.subject_placeholders)),
        ],
        help_text=mail_texts.placeholder_help(wording.subject_placeholders)
        + " Never the person's name: a mail can reach someone who did not ask for it.",
    )


def text_field(wording: mail_texts.MailWording, label: str, default: str, blank=False):
    return models.TextField(
        label,
        max_length=1000,
        blank=blank,
        default=default,
        validators=[
            mail_texts.validate_text,
            mail_texts.PlaceholderValidator(tuple(wording.placeholders)),
        ],
        help_text=mail_texts.placeholder_help(wording.placeholders),
    )


@register_setting(icon="mail")
class MailSettings(PreviewableMixin, BaseGenericSetting):
    """Who the site's mails come from and what they say: the sender, the greeting, and the
    texts of the sign-up confirmation, download and privacy-request mails. The links, the
    way to unsubscribe and the list headers are added by the mail itself, never typed.

    One for the whole installation: the worker sends the mails and has no site to ask."""

    sender_name = models.CharField(
        max_length=70, blank=True, validators=[mail_texts.validate_single_line]
    )
    sender_address = models.EmailField(blank=True)
    greeting = models.CharField(
        max_length=100,
        default=mail_texts.GREETING,
        validators=[
            mail_texts.validate_single_line,
            mail_texts.PlaceholderValidator(tuple(mail_texts.GREETING_PLACEHOLDERS)),
        ],
        help_text="The first line of every mail. "
        + mail_texts.placeholder_help(mail_texts.GREETING_PLACEHOLDERS),
    )
    confirmation_subject = subject_field(mail_texts.CONFIRMATION)
    confirmation_text = text_field(
        mail_texts.CONFIRMATION, "Text before the link", mail_texts.CONFIRMATION.text
    )
    confirmation_after_link = text_field(
        mail_texts.CONFIRMATION,
        "Text after the link",
        mail_texts.CONFIRMATION.after_link,
        blank=True,
    )
    delivery_subject = subject_field(mail_texts.DELIVERY)
    delivery_text = text_field(
        mail_texts.DELIVERY, "Text before the link", mail_texts.DELIVERY.text
    )
    delivery_after_link = text_field(
        mail_texts.DELIVERY, "Text after the link", mail_texts.DELIVERY.after_link, blank=True
    )
    privacy_subject = subject_field(mail_texts.PRIVACY_REQUEST)
    privacy_text = text_field(
        mail_texts.PRIVACY_REQUEST, "Text before the link", mail_texts.PRIVACY_REQUEST.text
    )
    privacy_after_link = text_field(
        mail_texts.PRIVACY_REQUEST,
        "Text after the link",
        mail_texts.PRIVACY_REQUEST.after_link,
        blank=True,
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel(
                    "sender_name",
                    help_text="The name mail programs show. Blank: "
                    f"“{parseaddr(settings.DEFAULT_FROM_EMAIL)[0] or '(none)'}”, the server's.",
                ),
                FieldPanel(
                    "sender_address",
                    help_text="Blank: the server's, "
                    f"{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}. Use an address of the site's "
                    "own domain, which its mail server is allowed to send for (SPF, DKIM): "
                    "mail from other domains is often taken for spam.",
                ),
                FieldPanel("greeting"),
            ],
            heading="Sender",
        ),
        *(
            MultiFieldPanel(
                [
                    FieldPanel(f"{wording.name}_subject"),
                    FieldPanel(f"{wording.name}_text"),
                    FieldPanel(f"{wording.name}_after_link"),
                ],
                heading=wording.label,
            )
            for wording in mail_texts.WORDINGS.values()
        ),
    ]

    class Meta:
        verbose_name = "mail sender and texts"

    def sender_parts(self) -> tuple[str, str]:
        """(name, address) of the sender in force: each blank one the server's
        DEFAULT_FROM_EMAIL's."""
        default_name, default_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        return self.sender_name or default_name, self.sender_address or default_address

    def sender(self) -> str:
        """The From header. The name is quoted as RFC 5322 needs (Address does it), so
        quotes, commas or brackets in it never make a second address; Django encodes
        non-ASCII names when it sends."""
        if not (self.sender_name or self.sender_address):
            return settings.DEFAULT_FROM_EMAIL
        name, address = self.sender_parts()
        return str(Address(display_name=name, addr_spec=address))

    def fill_greeting(self, values: dict) -> str:
        return mail_texts.fill(self.greeting, values)

    def wording(self, name: str, values: dict) -> mail_texts.FilledWording:
        """The texts of mail `name` ("confirmation", "delivery", "privacy"), filled in."""
        # Only the subject's own placeholders: a stored subject never carries a name, even
        # one that reached the database around the form's check.
        subject_values = {
            key: value
            for key, value in values.items()
            if key in mail_texts.WORDINGS[name].subject_placeholders
        }
        return mail_texts.FilledWording(
            subject=mail_texts.fill(getattr(self, f"{name}_subject"), subject_values),
            text=mail_texts.fill(getattr(self, f"{name}_text"), values),
            after_link=mail_texts.fill(getattr(self, f"{name}_after_link"), values),
        )

    # --- Preview: each mail as sent, with made-up data ---------------------------------------

    @property
    def preview_modes(self):
        return [(wording.name, wording.label) for wording in mail_texts.WORDINGS.values()]

    def serve_preview(self, request, mode_name):
        wording = mail_texts.WORDINGS.get(mode_name) or mail_texts.CONFIRMATION
        values, context = mail_texts.sample(wording)
        filled = self.wording(wording.name, values)
        context |= {
            "subject": filled.subject,
            "wording": filled,
            "greeting": self.fill_greeting(values),
            "mail_language": settings.LANGUAGE_CODE,
        }
        text, _html = mail_texts.render_parts(wording.template, context)
        context["preview"] = {"sender": self.sender(), "subject": filled.subject, "text": text}
        return TemplateResponse(request, f"{wording.template}.html", context)


class PolicyChangeCampaign(models.Model):
    """A Mailchimp campaign draft made to tell subscribers about a material change of a
    legal page: recorded so that a second one is never made by accident. The site never
    sends it; an editor reviews and sends it in Mailchimp."""

    version = models.ForeignKey("legal.PolicyVersion", on_delete=models.PROTECT, related_name="+")
    campaign_id = models.CharField(max_length=50)
    web_id = models.BigIntegerField(null=True, blank=True)
    subject = models.CharField(max_length=200)
    # False while Mailchimp has the draft without its text (setting the content failed).
    has_content = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "policy change campaign draft"

    def __str__(self):
        return f"{self.subject} ({self.campaign_id})"
