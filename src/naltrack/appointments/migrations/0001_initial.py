"""Appointments move out of treatment into their own area (issue 9, part 7). The table stays
`treatment_appointment`: only Django's idea of which app owns the model changes (state only),
and the content type follows so that permissions stay attached."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def move_content_type(
    apps: Any, schema_editor: Any, *, source: str = "treatment", target: str = "appointments"
) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=target, model="appointment").exists():
        ContentType.objects.filter(app_label=source, model="appointment").update(app_label=target)


def move_content_type_back(apps: Any, schema_editor: Any) -> None:
    move_content_type(apps, schema_editor, source="appointments", target="treatment")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("patients", "0002_allergy_assessment_medicationentry"),
        ("treatment", "0003_discontinuation"),  # the table was made there
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Appointment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("induction", "Induction"),
                                    ("injection", "Injection"),
                                    ("prescriber_review", "Prescriber review"),
                                    ("counselling", "Counselling"),
                                    ("lab", "Lab"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("on", models.DateField()),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("booked", "Booked"),
                                    ("kept", "Kept"),
                                    ("missed", "Missed"),
                                    ("cancelled", "Cancelled"),
                                ],
                                default="booked",
                                max_length=10,
                            ),
                        ),
                        ("note", models.CharField(blank=True, max_length=500)),
                        ("booked_by", models.CharField(max_length=150)),
                        ("booked_at", models.DateTimeField()),
                        (
                            "patient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="appointments",
                                to="patients.patient",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "treatment_appointment",
                        "ordering": ("on", "id"),
                        "indexes": [
                            models.Index(
                                fields=["status", "on"], name="treatment_a_status_d02594_idx"
                            ),
                            models.Index(
                                fields=["patient", "on"], name="treatment_a_patient_86e3f4_idx"
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
