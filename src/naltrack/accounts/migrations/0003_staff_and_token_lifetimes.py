"""Staff accounts the director manages (a one-time password to change at first sign-in) and API
tokens that expire, can be revoked by someone, carry scopes and a label (issue 10).

Tokens made before this migration keep working with the scopes they had in effect (read and
write) and expire 90 days after the migration runs, not 90 days after they were made: an
integration is not cut off on the day of the upgrade, and the operator has time to replace it.
"""

from datetime import timedelta

from django.db import migrations, models
from django.utils import timezone

EXISTING_TOKENS_EXPIRE_AFTER = timedelta(days=90)


def expire_existing_tokens(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True).update(
        expires_at=timezone.now() + EXISTING_TOKENS_EXPIRE_AFTER
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_idempotency_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="staffprofile",
            name="password_change_required",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(expire_existing_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_by",
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.CharField(default="read write", max_length=50),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="label",
            field=models.CharField(
                blank=True,
                help_text="what the token is for, e.g. the lab interface",
                max_length=100,
            ),
        ),
    ]
