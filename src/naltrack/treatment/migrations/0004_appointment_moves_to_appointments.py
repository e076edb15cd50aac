"""Appointments now belong to naltrack.appointments (its 0001 takes over the same table): treatment
forgets the model, the table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("treatment", "0003_discontinuation"),
        ("appointments", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Appointment")],
            database_operations=[],
        ),
    ]
