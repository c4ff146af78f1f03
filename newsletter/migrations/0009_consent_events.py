"""SignupConsent becomes ConsentEvent: named for what it holds (consents given and withdrawn,
for the newsletter, lead magnets and topics), with an action and a channel instead of a
`withdrawn` flag and words like "footer" in a URL field. Three migrations, because PostgreSQL
refuses to alter a table in the transaction that updated its rows ("pending trigger
events"): this one renames and adds, 0010 moves the data, 0011 drops the flag."""

from django.db import migrations, models

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
    ]
