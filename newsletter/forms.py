"""The sign-up form: the fields an editor switched on, one unticked consent checkbox, and the
always-on spam checks (honeypot, minimum fill time); and the preference centre's form.

Imports no models (they import this module, through blocks): the preference centre's
view passes the topics in.
"""

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.validators import RegexValidator

from .captcha import captcha_enabled, captcha_field
from .texts import NEWSLETTER_TEXT, topic_text

STARTED_SALT = "newsletter.form-started"
CONTROL_CHARACTERS = RegexValidator(
    r"[\x00-\x1f\x7f]", "Please remove control characters.", inverse_match=True
)


def form_ids(block_id: str) -> str:
    """The sign-up form's `auto_id` for the block `block_id`: field ids unique per block,
    as a page may show its own form and the footer's."""
    return f"signup-{block_id[:8]}-%s" if block_id else "id_%s"


def started_token() -> str:
    """A signed 'form shown at' stamp; pages stay cacheable because it is checked, not
    compared with a session."""
    return signing.dumps(int(time.time()), salt=STARTED_SALT)


class SignupForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    first_name = forms.CharField(
        label="First name", max_length=100, validators=[CONTROL_CHARACTERS]
    )
    last_name = forms.CharField(
        label="Last name", max_length=100, required=False, validators=[CONTROL_CHARACTERS]
    )
    phone = forms.CharField(
        label="Phone",
        max_length=40,
        required=False,
        validators=[RegexValidator(r"^\+?[0-9 ()/.-]{6,}$", "Enter a phone number.")],
    )
    consent = forms.BooleanField(
        required=True,
        error_messages={
            "required": "Please tick the box to agree; without it we cannot sign you up."
        },
    )
    # Honeypot: hidden from people with CSS and aria-hidden; bots fill it in.
    website = forms.CharField(required=False, label="Leave this field empty")
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, config=None, **kwargs):
        super().__init__(*args, **kwargs)
        config = config or {}
        self.fields["consent"].label = config.get("consent_text", "")
        for name in ("last_name", "phone"):
            if not config.get(f"show_{name}"):
                del self.fields[name]
            elif config.get(f"require_{name}"):
                self.fields[name].required = True
        if not self.is_bound:
            self.initial["started"] = started_token()
        if captcha_enabled():
            self.fields["captcha"] = captcha_field(action="signup")

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            # Browsers' autofill fills it for some people too: the form shown with this
            # message is sent again without it.
            self.show_again_with(website="")
            raise forms.ValidationError("This looks like an automated sign-up.", code="spam")
        started = self.started_at()
        if started is None:
            self.show_again_with(started=started_token())
            raise forms.ValidationError(
                "The form has expired. Please check your details and send it again.",
                code="stale",
            )
        if time.time() - started < settings.NEWSLETTER_MIN_FILL_SECONDS:
            raise forms.ValidationError(
                "That was very fast. Please check your details and send the form again.",
                code="too_fast",
            )
        return cleaned

    def started_at(self) -> int | None:
        """When the form was shown, from its signed stamp; None for a forged, damaged or
        day-old stamp."""
        try:
            started = signing.loads(
                self.data.get("started", ""), salt=STARTED_SALT, max_age=24 * 60 * 60
            )
        except signing.BadSignature:
            return None
        return started if type(started) is int else None

    def show_again_with(self, **values) -> None:
        """Values the form carries when it is shown again with its errors, in place of the
        posted ones that would fail again however the visitor corrects the other fields."""
        self.data = self.data.copy()
        for name, value in values.items():
            self.data[name] = value


class TopicChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        # The label is the stored consent text, word for word.
        return topic_text(obj)


class PreferencesForm(forms.Form):
    """The preference centre: the newsletter switch and one checkbox per topic of
    `topics`, the queryset of topics people can choose."""

    newsletter = forms.BooleanField(required=False)
    topics = TopicChoiceField(
        queryset=None,
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Topics",
    )

    def __init__(self, *args, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["newsletter"].label = NEWSLETTER_TEXT
        self.fields["topics"].queryset = topics
