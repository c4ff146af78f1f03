"""The grant keys filled in 0002 become required and unique; new grants draw their own."""

import newsletter.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("leadmagnets", "0002_downloadgrant_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="downloadgrant",
            name="key",
            field=models.CharField(
                default=newsletter.models.new_link_key, editable=False, max_length=40, unique=True
            ),
        ),
    ]
