"""reCAPTCHA v3 that respects visitors: Google's script loads only on pages with a form and
only once the visitor starts filling it in, and Google being unreachable is a form error."""

import logging
from urllib.error import URLError

from django.conf import settings
from django.core.exceptions import ValidationError
from django_recaptcha.fields import ReCaptchaField
from django_recaptcha.widgets import ReCaptchaV3

from legal.http import assert_no_transaction

logger = logging.getLogger(__name__)


def captcha_enabled() -> bool:
    return bool(settings.RECAPTCHA_PUBLIC_KEY and settings.RECAPTCHA_PRIVATE_KEY)


class LazyReCaptchaV3(ReCaptchaV3):
    """Renders only the token field; newsletter/recaptcha.js loads Google on first input."""

    template_name = "newsletter/widgets/recaptcha_v3_lazy.html"


class SafeReCaptchaField(ReCaptchaField):
    def validate(self, value):
        # django-recaptcha lets URLError and timeouts escape form validation as a 500
        # (upstream issues #191, #193): turn them into the field's own error message.
        assert_no_transaction("reCAPTCHA")
        try:
            super().validate(value)
        except (URLError, TimeoutError, OSError) as error:
            logger.warning("reCAPTCHA verification failed: %r", error)
            raise ValidationError(
                self.error_messages["captcha_error"], code="captcha_error"
            ) from error

    def get_remote_ip(self):
        # The library would send the raw X-Forwarded-For header, which anyone can write.
        # Google gets no address at all, not even legal.http.client_address(): `remoteip`
        # is optional, and the site passes on nothing about a visitor it need not (GDPR
        # Art. 5(1)(c)); Google sees the browser that fetched the token anyway.
        return None


def captcha_field(action: str) -> SafeReCaptchaField:
    return SafeReCaptchaField(
        public_key=settings.RECAPTCHA_PUBLIC_KEY,
        private_key=settings.RECAPTCHA_PRIVATE_KEY,
        widget=LazyReCaptchaV3(action=action, required_score=settings.RECAPTCHA_REQUIRED_SCORE),
        label="",
    )
