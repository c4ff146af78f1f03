"""Random keys for the links in mails: unsubscribe and preference links name a contact by
its `link_key`, a privacy-request link its request by `key`, never by a database id; the
request holds the address its link acts on (`pending_email`) so the link need not carry it.

Django's recipe for a unique field on a table that has rows: add it nullable, give every
row its own random value here, make it unique and required in 0008. Two migrations, because
PostgreSQL refuses to ALTER a table with trigger events still pending from UPDATEs in the
same transaction. Reversible: going back drops the columns.
"""

import secrets

from django.db import migrations, models


def fill_link_keys(apps, schema_editor):
    # Its own generator, not newsletter.models.new_link_key: a migration keeps working
    # whatever that function later becomes.
    for model_name, field in (("Contact", "link_key"), ("DataRequest", "key")):
        model = apps.get_model("newsletter", model_name)
        empty = model.objects.filter(**{f"{field}__isnull": True})
        for pk in list(empty.values_list("pk", flat=True)):
            model.objects.filter(pk=pk).update(**{field: secrets.token_urlsafe(24)})


class Migration(migrations.Migration):

    dependencies = [
        ("newsletter", "0006_signup_requests"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="link_key",
            field=models.CharField(editable=False, max_length=40, null=True),
        ),
        migrations.AddField(
            model_name="datarequest",
            name="key",
            field=models.CharField(editable=False, max_length=40, null=True),
        ),
        migrations.AddField(
            model_name="datarequest",
            name="pending_email",
            field=models.EmailField(blank=True, editable=False, max_length=254),
        ),
        migrations.RunPython(fill_link_keys, migrations.RunPython.noop),
    ]
