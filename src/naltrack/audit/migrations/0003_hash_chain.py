"""The audit trail's hash chain: seq, prev_hash and row_hash on every event, and the chain head.

The events written before the chain are chained here, in id order (the order they were written).
The append-only triggers of 0002 refuse that UPDATE, so they are dropped first and created again
last, on both vendors (on SQLite, adding a unique column rebuilds the table, which drops its
triggers anyway).
"""

from __future__ import annotations

import importlib

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from naltrack.audit.chain import GENESIS, event_hash

append_only = importlib.import_module("naltrack.audit.migrations.0002_append_only_triggers")
BATCH = 1000


def backfill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    event_model = apps.get_model("audit", "AuditEvent")
    head_model = apps.get_model("audit", "AuditChainHead")
    db = schema_editor.connection.alias
    seq, prev = 0, GENESIS
    batch = []
    for event in event_model.objects.using(db).order_by("id").iterator(chunk_size=BATCH):
        seq += 1
        event.seq, event.prev_hash = seq, prev
        event.row_hash = prev = event_hash(
            seq=seq, prev_hash=event.prev_hash, at=event.at, actor=event.actor,
            action=event.action, object_type=event.object_type, object_id=event.object_id,
            patient_mrn=event.patient_mrn, remote_addr=event.remote_addr, detail=event.detail,
        )  # fmt: skip
        batch.append(event)
        if len(batch) >= BATCH:
            event_model.objects.using(db).bulk_update(batch, ("seq", "prev_hash", "row_hash"))
            batch = []
    if batch:
        event_model.objects.using(db).bulk_update(batch, ("seq", "prev_hash", "row_hash"))
    head_model.objects.using(db).create(id=1, seq=seq, hash=prev)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]
    operations = [
        migrations.RunPython(append_only.drop, append_only.create),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="row_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.BigIntegerField(default=0)),
                ("hash", models.CharField(max_length=64)),
            ],
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(editable=False, unique=True),
        ),
        migrations.RunPython(append_only.create, append_only.drop),
    ]
