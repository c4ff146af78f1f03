"""The link keys filled in 0007 become required and unique; new rows draw their own."""

import newsletter.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("newsletter", "0007_link_keys"),
    ]

    operations = [
        migrations.AlterField(
            model_name="contact",
            name="link_key",
            field=models.CharField(
                default=newsletter.models.new_link_key, editable=False, max_length=40, unique=True
            ),
        ),
        migrations.AlterField(
            model_name="datarequest",
            name="key",
            field=models.CharField(
                default=newsletter.models.new_link_key, editable=False, max_length=40, unique=True
            ),
        ),
    ]
