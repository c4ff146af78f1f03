"""The lead-magnet form: newsletter's sign-up form plus an optional newsletter checkbox."""

from django import forms

from newsletter.forms import SignupForm


class LeadMagnetForm(SignupForm):
    def __init__(self, *args, page, **kwargs):
        super().__init__(*args, config=page.form_config(), **kwargs)
        if page.newsletter_consent_text:
            # A separate, unticked choice: the guide never depends on joining the list.
            self.fields["newsletter"] = forms.BooleanField(
                required=False, label=page.newsletter_consent_text
            )
