"""A random key per download grant for its link, instead of the grant's database id.

Django's recipe for a unique field on a table that has rows: add it nullable, give every
grant its own random value here, make it unique and required in 0003 (a separate migration:
PostgreSQL refuses to ALTER a table with trigger events still pending from these UPDATEs).
Reversible: going back drops the column.
"""

import secrets

from django.db import migrations, models


def fill_grant_keys(apps, schema_editor):
    # Its own generator, not newsletter.models.new_link_key: a migration keeps working
    # whatever that function later becomes.
    DownloadGrant = apps.get_model("leadmagnets", "DownloadGrant")
    for pk in list(DownloadGrant.objects.filter(key__isnull=True).values_list("pk", flat=True)):
        DownloadGrant.objects.filter(pk=pk).update(key=secrets.token_urlsafe(24))


class Migration(migrations.Migration):

    dependencies = [
        ("leadmagnets", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="downloadgrant",
            name="key",
            field=models.CharField(editable=False, max_length=40, null=True),
        ),
        migrations.RunPython(fill_grant_keys, migrations.RunPython.noop),
    ]
