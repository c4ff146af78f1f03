"""The `withdrawn` flag is now ConsentEvent.action (moved by 0010)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0010_consent_event_channels")]

    operations = [
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
