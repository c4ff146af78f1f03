import factory
import wagtail_factories
from cookie_consent.models import CookieGroup
from wagtail.test.utils.form_data import querydict_from_html

from legal.models import ImpressumPage, LegalKind, PolicyPage, ThirdPartyService

IMPRESSUM_FIELDS = {
    "provider_name": "Test Creator",
    "legal_form": "sole_trader",
    "street_address": "Teststraße 1",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "Germany",
    "email": "hello@creator.example",
    "phone": "+49 30 1234567",
    "content_responsible_name": "Test Creator",
    "content_responsible_address": "Teststraße 1, 10115 Berlin",
    "consumer_dispute": "not_willing",
    "consumer_dispute_text": "We neither will nor must take part in consumer arbitration.",
}


class PolicyPageFactory(wagtail_factories.PageFactory):
    title = "Privacy policy"
    slug = factory.Sequence(lambda n: f"privacy-{n}")
    kind = LegalKind.PRIVACY
    version_label = "1.0"
    body = [
        ("heading", {"text": "Who we are", "anchor": ""}),
        ("paragraph", "<p>We are a small creator business.</p>"),
    ]

    class Meta:
        model = PolicyPage


class ImpressumPageFactory(wagtail_factories.PageFactory):
    """An impressum with every mandatory fact (tests remove the ones they exercise)."""

    title = "Impressum"
    slug = "impressum"
    version_label = "1.0"
    provider_name = IMPRESSUM_FIELDS["provider_name"]
    legal_form = IMPRESSUM_FIELDS["legal_form"]
    street_address = IMPRESSUM_FIELDS["street_address"]
    postal_code = IMPRESSUM_FIELDS["postal_code"]
    city = IMPRESSUM_FIELDS["city"]
    country = IMPRESSUM_FIELDS["country"]
    email = IMPRESSUM_FIELDS["email"]
    phone = IMPRESSUM_FIELDS["phone"]
    content_responsible_name = IMPRESSUM_FIELDS["content_responsible_name"]
    content_responsible_address = IMPRESSUM_FIELDS["content_responsible_address"]
    consumer_dispute = IMPRESSUM_FIELDS["consumer_dispute"]
    consumer_dispute_text = IMPRESSUM_FIELDS["consumer_dispute_text"]

    class Meta:
        model = ImpressumPage


class ThirdPartyServiceFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Service {n}")
    provider = "Example Ltd, Dublin, Ireland"
    purpose = "Measuring visits."
    data_categories = "IP address, device data"
    legal_basis = "a"
    location = "EU"
    transfer_safeguard = "none"
    retention = "14 months"

    class Meta:
        model = ThirdPartyService


def service_form(client, url, **changes):
    """The third-party service form at `url` as the admin renders it, filled in as a
    valid new service, with `changes` on top."""
    html = client.get(url).content.decode()
    data = querydict_from_html(html, form_id="w-editor-form")
    data.update(
        {
            "name": "Chat widget",
            "provider": "Chat Ltd, Dublin, Ireland",
            "purpose": "Live chat.",
            "data_categories": "IP address",
            "legal_basis": "a",
            "location": "EU",
            "retention": "30 days",
            "cookie_group": str(CookieGroup.objects.get(varname="statistics").pk),
        }
    )
    for name, value in changes.items():
        data[name] = value
    return data
