"""The fixed vocabularies of legal's models (kinds, legal bases, service types, consent
methods). Apart from the models so that the admin forms, which the models name as their
base form, can compare against them too; `legal.models` re-exports each."""

from django.db import models


class LegalKind(models.TextChoices):
    PRIVACY = "privacy", "Privacy policy"
    COOKIES = "cookies", "Cookie policy"
    TERMS = "terms", "Terms"
    IMPRESSUM = "impressum", "Impressum"


class LegalBasis(models.TextChoices):
    # GDPR Art. 6(1): the six lawful bases.
    CONSENT = "a", "Consent (GDPR Art. 6(1)(a))"
    CONTRACT = "b", "Contract (GDPR Art. 6(1)(b))"
    LEGAL_OBLIGATION = "c", "Legal obligation (GDPR Art. 6(1)(c))"
    VITAL_INTERESTS = "d", "Vital interests (GDPR Art. 6(1)(d))"
    PUBLIC_TASK = "e", "Public task (GDPR Art. 6(1)(e))"
    LEGITIMATE_INTERESTS = "f", "Legitimate interests (GDPR Art. 6(1)(f))"


class TransferSafeguard(models.TextChoices):
    # GDPR Chapter V: what makes a transfer outside the EU/EEA lawful.
    NONE = "none", "No transfer outside the EU/EEA"
    ADEQUACY = "adequacy", "Adequacy decision (GDPR Art. 45)"
    SCCS = "sccs", "Standard contractual clauses (GDPR Art. 46(2)(c))"
    ADEQUACY_SCCS = "adequacy_sccs", "Adequacy decision (Art. 45) and standard contractual clauses"
    BCR = "bcr", "Binding corporate rules (GDPR Art. 47)"
    CONSENT = "consent", "Explicit consent (GDPR Art. 49(1)(a))"


class ServiceType(models.TextChoices):
    """What the site renders for a service. Built-in types take only an id: the project
    writes the tag, so an editor never pastes third-party code."""

    NONE = "none", "No code on the site (server-side, e.g. Mailchimp)"
    GA4 = "ga4", "Google Analytics 4"
    GTM = "gtm", "Google Tag Manager"
    GOOGLE_ADS = "google_ads", "Google Ads"
    META_PIXEL = "meta_pixel", "Meta Pixel"
    CUSTOM = "custom", "Custom script (needs the 'edit custom scripts' permission)"


class ConsentMethod(models.TextChoices):
    BANNER = "banner", "Banner (first layer)"
    SETTINGS = "settings", "Settings dialog"
    GPC = "gpc", "Global Privacy Control"
    WITHDRAWAL = "withdrawal", "Withdrawal"
