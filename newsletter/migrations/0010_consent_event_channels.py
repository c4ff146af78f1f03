"""Every ConsentEvent and SignupRequest row kept: the words that stood in the URL field
become the channel, `withdrawn` becomes the action, and rows the webhook stored without a
text hash get the hash of their text."""

import hashlib

from django.db import migrations

CHANNELS = {
    "footer",
    "preference-centre",
    "unsubscribe-link",
    "unsubscribe-undo",
    "mailchimp-webhook",
    "mailchimp-reconcile",
}


def split_channels(apps, schema_editor):
    """A word in the old URL field is the channel; anything else was a form's page URL."""
    for name in ("ConsentEvent", "SignupRequest"):
        model = apps.get_model("newsletter", name)
        for row in model.objects.filter(page_url__in=CHANNELS).iterator():
            model.objects.filter(pk=row.pk).update(channel=row.page_url, page_url="")
    events = apps.get_model("newsletter", "ConsentEvent")
    events.objects.filter(withdrawn=True).update(action="withdrawn")
    for row in events.objects.filter(text_sha256="").iterator():
        digest = hashlib.sha256(row.text.encode("utf-8")).hexdigest()
        events.objects.filter(pk=row.pk).update(text_sha256=digest)


def join_channels(apps, schema_editor):
    for name in ("ConsentEvent", "SignupRequest"):
        model = apps.get_model("newsletter", name)
        for row in model.objects.filter(channel__in=CHANNELS).iterator():
            model.objects.filter(pk=row.pk).update(page_url=row.channel)
    events = apps.get_model("newsletter", "ConsentEvent")
    events.objects.filter(action="withdrawn").update(withdrawn=True)


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0009_consent_events")]

    operations = [migrations.RunPython(split_channels, join_channels)]
