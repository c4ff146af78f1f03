"""A legal page's history before and after the site: importing the versions a business
published elsewhere, and withdrawing a version from the public archive.

Imported versions are PolicyVersions like any other (the archive, the comparisons and the
"in force" questions treat them alike), with `imported=True`, no revision, the dates the
editor gave and the text as pasted or uploaded, cleaned by nh3 to the markup the legal
templates write, without ids or classes that could reach into the site's own page. They come
before everything published on the site: the site's first version continues their numbering.

A withdrawn version is kept (consent records may name it, and the log explains it) but leaves
the archive, is never in force, and its address answers 410 Gone (LegalPage.version_detail).
Both actions are logged on the page, so its History shows who did what and why.
"""

import datetime

import nh3
from django import forms
from django.core.validators import FileExtensionValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import escape
from lxml import etree
from lxml import html as lxml_html
from markdown_it import MarkdownIt
from wagtail.admin.rich_text import DraftailRichTextArea
from wagtail.admin.widgets import AdminDateInput
from wagtail.log_actions import LogFormatter, log
from wagtail.rich_text import expand_db_html

from .hashing import text_hash
from .models import LegalPage, PolicyVersion
from .sanitizing import ALLOWED_TAGS, ALLOWED_URL_SCHEMES, DROPPED_WITH_CONTENT
from .version_labels import (
    INVALID_MESSAGE,
    label_numbers,
    same_number,
    validate_version_label,
    version_name,
)

IMPORT_ACTION = "legal.version.import"
WITHDRAW_ACTION = "legal.version.withdraw"
UPLOAD_FORMATS = ["html", "htm", "txt", "md"]
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
RICH_TEXT_FEATURES = ["h2", "h3", "h4", "bold", "italic", "ol", "ul", "link"]
# Imported markup keeps structure and links only: no ids or classes, which could restyle or
# stand in for elements of the site's own page (the consent banner's, for one).
IMPORTED_ATTRIBUTES = {"a": {"href"}, "th": {"scope"}}
# A document's title becomes a section heading; the legal templates start at h2.
RENAMED_HEADINGS = {"h1": "h2", "h5": "h4", "h6": "h4"}
# CommonMark without raw HTML: a Markdown file's markup is built by the parser only.
MARKDOWN = MarkdownIt("commonmark", {"html": False})


# --- Text of an imported version -------------------------------------------------------------


def clean_imported_html(html: str) -> str:
    """Any HTML (a whole document, a fragment, rich text) as the archive may keep it."""
    if not html.strip():
        return ""
    try:
        root = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return ""
    for element in root.iter(*RENAMED_HEADINGS):
        element.tag = RENAMED_HEADINGS[element.tag]
    markup = lxml_html.tostring(root, encoding="unicode")
    cleaned = nh3.clean(
        markup,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=IMPORTED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    return cleaned.strip()


def text_to_html(text: str) -> str:
    """Plain text: a blank line starts a paragraph, a line break stays one."""
    paragraphs = [part.strip() for part in text.replace("\r\n", "\n").split("\n\n")]
    return "\n".join(
        "<p>{}</p>".format(escape(part).replace("\n", "<br>")) for part in paragraphs if part
    )


def uploaded_html(upload) -> str:
    """The uploaded file's text as HTML, by its extension; ValidationError if unreadable."""
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise forms.ValidationError(
            "This file isn't UTF-8 text. Save it as UTF-8 (or as HTML) and upload it again.",
            code="encoding",
        ) from None
    extension = upload.name.rsplit(".", 1)[-1].lower()
    if extension == "txt":
        return text_to_html(text)
    if extension == "md":
        return MARKDOWN.render(text)
    return text


def has_words(html: str) -> bool:
    return bool(nh3.clean(html, tags=set()).strip())


# --- Import --------------------------------------------------------------------------------


class PastedTextArea(DraftailRichTextArea):
    """Wagtail's rich text editor, for pasting a version's text. What it posts is the
    editor's JSON; anything else (a hand-made request) counts as nothing pasted."""

    def value_from_datadict(self, data, files, name):
        try:
            return super().value_from_datadict(data, files, name)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            return None


class ImportVersionForm(forms.Form):
    """One earlier version: its label, dates and text. Checked against the page's versions,
    so the history reads in order: labels and dates rise together, and every imported label
    is lower than the site's first published version."""

    version_label = forms.CharField(
        label="Version label",
        max_length=40,
        validators=[validate_version_label],
        error_messages={"invalid": INVALID_MESSAGE},
        help_text="As the business numbered it: V2.4.3, 2.1, 2026-02.",
    )
    effective_date = forms.DateField(
        label="In force from",
        widget=AdminDateInput,
        help_text="When this version took effect: its “last updated” or “as of” date.",
    )
    published_on = forms.DateField(
        label="Published on",
        required=False,
        widget=AdminDateInput,
        help_text="Only if it was published on another day. Blank: the day it took effect.",
    )
    change_summary = forms.CharField(
        label="What changed",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: one or two sentences shown in the version archive.",
    )
    text = forms.CharField(
        label="Text",
        required=False,
        widget=PastedTextArea(features=RICH_TEXT_FEATURES),
        help_text="Paste the version's text here (headings, lists and links are kept), or "
        "upload it as a file below.",
    )
    file = forms.FileField(
        label="Or upload the text",
        required=False,
        validators=[FileExtensionValidator(UPLOAD_FORMATS)],
        error_messages={"invalid_extension": "Upload an .html, .txt or .md file."},
        help_text="An .html, .txt or .md file in UTF-8, up to 2 MB. Scripts, styles and "
        "images are left out.",
    )

    def __init__(self, *args, page: LegalPage, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        self.versions = list(page.versions.defer("html"))

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("This file is larger than 2 MB.", code="size")
        return upload

    def clean(self):
        cleaned = super().clean()
        self.convert_text(cleaned)
        label = cleaned.get("version_label")
        effective = cleaned.get("effective_date")
        today = timezone.localdate()
        if effective and effective > today:
            self.add_error(
                "effective_date",
                "An imported version has already taken effect: use a date up to today. "
                "Publish future versions from the page itself.",
            )
        published = cleaned.get("published_on")
        if published and published > today:
            self.add_error("published_on", "Use a date up to today.")
        if label and not self.check_label(label) and effective:
            self.check_dates(label, effective)
        return cleaned

    def convert_text(self, cleaned):
        """The pasted or uploaded text as the HTML to keep, in cleaned["html"]."""
        pasted = cleaned.get("text") or ""
        # An empty editor still posts an empty paragraph: pasted means words.
        pasted = expand_db_html(pasted) if has_words(pasted) else ""
        upload = cleaned.get("file")
        if "file" in self.errors:
            return
        if pasted and upload:
            self.add_error("file", "Paste the text or upload a file, not both.")
            return
        if not pasted and not upload:
            self.add_error("text", "Paste the text of this version, or upload it as a file.")
            return
        try:
            raw = pasted or uploaded_html(upload)
        except forms.ValidationError as error:
            self.add_error("file", error)
            return
        html = clean_imported_html(raw)
        if not has_words(html):
            self.add_error(
                "file" if upload else "text",
                "No text left to import: the file holds no readable text."
                if upload
                else "No text left to import.",
            )
            return
        cleaned["html"] = html

    def check_label(self, label: str) -> bool:
        """Adds the label's error, if any; True when there was one."""
        active = [v for v in self.versions if not v.is_withdrawn]
        for version in self.versions:
            if version.version_label == label:
                self.add_error(
                    "version_label",
                    f"{label} belongs to a withdrawn version of this page, which keeps its "
                    "label. Write it differently (“V1.0” for “1.0”)."
                    if version.is_withdrawn
                    else f"This page already has {version_name(label)}.",
                )
                return True
        for version in active:
            if same_number(label, version.version_label):
                self.add_error(
                    "version_label",
                    f"This page already has {version.name}, the same number.",
                )
                return True
        own = [v for v in active if not v.imported]
        first = min(own, key=lambda v: v.order_key(), default=None)
        if first is not None and label_numbers(label) > label_numbers(first.version_label):
            self.add_error(
                "version_label",
                f"Must be lower than {first.version_label}, the first version published on "
                "this site: imported versions come before it. If that version is demo "
                "content, withdraw it first.",
            )
            return True
        return False

    def check_dates(self, label: str, effective: datetime.date) -> None:
        """Higher labels may not take effect earlier, nor lower ones later."""
        number = label_numbers(label)
        lower = [v for v in self.versions if not v.is_withdrawn and v.order_key()[0] < number]
        higher = [v for v in self.versions if not v.is_withdrawn and v.order_key()[0] > number]
        before = max(lower, key=lambda v: v.effective_date, default=None)
        after = min(higher, key=lambda v: v.effective_date, default=None)
        if before is not None and effective < before.effective_date:
            self.add_error(
                "effective_date",
                f"Must be on or after {before.effective_date:%Y-%m-%d}, when {before.name} "
                "took effect: this version is numbered higher.",
            )
        elif after is not None and effective > after.effective_date:
            self.add_error(
                "effective_date",
                f"Must be on or before {after.effective_date:%Y-%m-%d}, when {after.name} "
                "took effect: this version is numbered lower.",
            )


def import_version(form: ImportVersionForm, user) -> PolicyVersion | None:
    """Records the form's version; None (with a form error) if its label was taken
    meanwhile."""
    page, data = form.page, form.cleaned_data
    published_on = data.get("published_on") or data["effective_date"]
    # The time of day is unknown: noon keeps the date the same in every time zone nearby.
    published_at = timezone.make_aware(datetime.datetime.combine(published_on, datetime.time(12)))
    html = data["html"]
    try:
        with transaction.atomic():
            version = PolicyVersion.objects.create(
                page_id=page.pk,
                kind=page.legal_kind,
                title=page.title,
                version_label=data["version_label"],
                effective_date=data["effective_date"],
                change_summary=data.get("change_summary", "").strip(),
                revision=None,
                imported=True,
                published_at=published_at,
                html=html,
                sha256=text_hash(html),
            )
            log(
                instance=page,
                action=IMPORT_ACTION,
                user=user,
                data={
                    "version_id": version.pk,
                    "label": version.version_label,
                    "effective_date": version.effective_date.isoformat(),
                    "published_on": published_on.isoformat(),
                },
            )
    except IntegrityError:
        form.add_error("version_label", "This label was just used by another version.")
        return None
    return version


# --- Withdrawal ----------------------------------------------------------------------------


class WithdrawVersionForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the page's history, for whoever asks later: “demo content”, "
        "“published by mistake: wrong company address”.",
        error_messages={"required": "Give a reason: it is kept in the page's history."},
    )


def withdraw_version(version: PolicyVersion, reason: str, user) -> None:
    """Takes `version` out of the public archive, keeping it and logging why."""
    page = LegalPage.objects.get(pk=version.page_id)
    with transaction.atomic():
        version.withdrawn_at = timezone.now()
        version.withdrawal_reason = reason
        # The one change a published version allows (PolicyVersion.save); the save signal
        # also renews the page cache.
        version.save(update_fields=["withdrawn_at", "withdrawal_reason"])
        log(
            instance=page,
            action=WITHDRAW_ACTION,
            user=user,
            data={"version_id": version.pk, "label": version.version_label, "reason": reason},
        )


# --- Log entries ---------------------------------------------------------------------------


class ImportedVersionFormatter(LogFormatter):
    label = "Import earlier version"

    def format_message(self, log_entry):
        data = log_entry.data
        try:
            return f"Imported {version_name(data['label'])}, in force from {data['effective_date']}"
        except KeyError:
            return "Imported an earlier version"


class WithdrawnVersionFormatter(LogFormatter):
    label = "Withdraw version"

    def format_message(self, log_entry):
        try:
            return f"Withdrew {version_name(log_entry.data['label'])} from the public archive"
        except KeyError:
            return "Withdrew a version from the public archive"

    def format_comment(self, log_entry):
        return log_entry.data.get("reason", "")


def register_log_actions(actions) -> None:
    """For the `register_log_actions` hook."""
    actions.register_action(IMPORT_ACTION)(ImportedVersionFormatter)
    actions.register_action(WITHDRAW_ACTION)(WithdrawnVersionFormatter)
