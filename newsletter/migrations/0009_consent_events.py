"""SignupConsent becomes ConsentEvent: named for what it holds (consents given and withdrawn,
for the newsletter, lead magnets and topics), with an action and a channel instead of a
`withdrawn` flag and words like "footer" in a URL field. Every row is kept; rows that stored
no text hash (withdrawals applied from Mailchimp) get the hash of their text."""

import hashlib

from django.db import migrations, models

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


CHANNEL_CHOICES = [
    ("form", "A sign-up form on a page"),
    ("footer", "The footer's sign-up form"),
    ("preference-centre", "The preference centre"),
    ("unsubscribe-link", "The unsubscribe link in a mail"),
    ("unsubscribe-undo", "Undo on the unsubscribe page"),
    ("mailchimp-webhook", "Mailchimp, by its webhook"),
    ("mailchimp-reconcile", "Mailchimp, found by the reconciliation"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0008_link_keys_unique"),
    ]

    operations = [
        migrations.RenameModel("SignupConsent", "ConsentEvent"),
        migrations.RenameField("consentevent", "consent_text", "text"),
        migrations.RenameField("consentevent", "given_at", "occurred_at"),
        migrations.RenameField("consentevent", "source_page", "page"),
        migrations.RenameField("consentevent", "source_url", "page_url"),
        migrations.AlterModelOptions(
            name="consentevent", options={"ordering": ["-occurred_at", "-pk"]}
        ),
        migrations.RenameField("signuprequest", "source_page", "page"),
        migrations.RenameField("signuprequest", "source_url", "page_url"),
        migrations.AddField(
            model_name="consentevent",
            name="action",
            field=models.CharField(
                choices=[("given", "Given"), ("withdrawn", "Withdrawn")],
                default="given",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="consentevent",
            name="channel",
            field=models.CharField(choices=CHANNEL_CHOICES, default="form", max_length=30),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="signuprequest",
            name="channel",
            field=models.CharField(choices=CHANNEL_CHOICES, default="form", max_length=30),
        ),
        migrations.RunPython(split_channels, join_channels),
        migrations.RemoveField("consentevent", "withdrawn"),
        migrations.AlterField(
            model_name="consentevent",
            name="contact",
            field=models.ForeignKey(
                on_delete=models.deletion.CASCADE,
                related_name="consent_events",
                to="newsletter.contact",
            ),
        ),
        migrations.AlterField(
            model_name="consentevent",
            name="purpose",
            field=models.CharField(
                help_text="newsletter, leadmagnet:<slug> or topic:<slug>", max_length=120
            ),
        ),
        migrations.AlterField(
            model_name="consentevent",
            name="text",
            field=models.TextField(help_text="The exact words shown, or what the change was."),
        ),
    ]
