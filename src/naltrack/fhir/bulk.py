"""Bulk Data $export (FHIR Bulk Data Access 2.0): a backend system asks for every chart's records it
may have, and gets NDJSON files, written by a background job, not in the request.

- Kick-off (`/fhir/$export`, `/fhir/Patient/$export`, `/fhir/Group/<id>/$export`, with
  `Prefer: respond-async`): the request is checked (`_type`, `_since`, `_outputFormat`,
  `_typeFilter`, each refused by name) and queued; 202 with the status address.
- A worker runs the job: the kick-off starts one in the server's process at once
  (`start_in_background`), and `naltrack bulk run` picks up any job a restart left queued, or one
  whose worker stopped answering (its heartbeat older than STALE_AFTER).
- The consent filter decides, chart by chart and record kind by record kind, what leaves: a chart
  goes into the export only with the record kinds its patient's consent covers for this system and
  purpose, and each chart exported is one disclosure (accounted, channel FHIR API) naming the kinds.
- Status: 202 with X-Progress while it runs; 200 with the manifest when done; the files are read
  with the same system's access token; DELETE removes the files and forgets the job.

Groups: this program serves two, by their ids: `active-episodes` (patients in an active episode of
care) and `all-patients`. Patient and system level export every chart the consent filter allows.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Q, QuerySet

from naltrack import clock
from naltrack.accounts.actors import Service
from naltrack.accounts.roles import Action
from naltrack.clinical.consent import (
    DisclosureRefused,
    Purpose,
    Recipient,
    RecipientClass,
    RecordKind,
)
from naltrack.clinical.errors import InputError
from naltrack.clock import local_day
from naltrack.disclosure.models import Channel
from naltrack.disclosure.services import NAME_MAX, consent_decisions, disclose
from naltrack.patients.models import EpisodeStatus, Patient

from . import records, resources, served, smart
from .models import ExportJob, ExportStatus

log = logging.getLogger("naltrack.fhir.bulk")

# What an export may hold: the Flag is the chart's safety flag on the export's day, whatever its
# _since (it is the state of the chart then, as a read of it is today's).
TYPES = ("Patient", *served.SERVED, "Flag")
GROUPS = {"active-episodes": "Patients in an active episode of care",
          "all-patients": "Every patient of the program"}  # fmt: skip
OUTPUT_FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")
CHUNK = 500  # charts per step: the consent decisions and the records read for that many at once
STALE_AFTER = timedelta(minutes=10)
KICK_OFF_PARAMS = frozenset({"_type", "_since", "_outputFormat", "_typeFilter"})


@dataclass(frozen=True, slots=True)
class Asked:
    level: str  # system | patient | group
    group: str
    types: tuple[str, ...]
    since: datetime | None
    filters: dict[str, list[Q]]  # _typeFilter: per type, OR of the searches


def _values(params: Mapping[str, Sequence[str]], name: str) -> list[str]:
    return [v.strip() for raw in params.get(name, []) for v in raw.split(",") if v.strip()]


def read_request(params: Mapping[str, Sequence[str]], level: str, group: str,
                 caller: smart.BackendCaller) -> Asked:  # fmt: skip
    """The kick-off's parameters, each refused by name when malformed, unknown or beyond the
    access token's scopes."""
    for name in params:
        if name not in KICK_OFF_PARAMS:
            raise InputError(f"is not a parameter of $export here (served: {', '.join(sorted(KICK_OFF_PARAMS))})", name)  # fmt: skip
    if level == "group" and group not in GROUPS:
        raise InputError(f"no Group {group[:64]!r} here (served: {', '.join(GROUPS)})", "group")
    formats = _values(params, "_outputFormat")
    if any(f not in OUTPUT_FORMATS for f in formats):
        raise InputError(f"must be one of {', '.join(OUTPUT_FORMATS)}", "_outputFormat")
    types = tuple(dict.fromkeys(_values(params, "_type"))) or tuple(
        t for t in TYPES if caller.may(t, "r")
    )
    for t in types:
        if t not in TYPES:
            raise InputError(f"{t[:40]!r} is not exported here (served: {', '.join(TYPES)})", "_type")  # fmt: skip
        if not caller.may(t, "r"):
            raise InputError(f"the access token's scopes do not allow reading {t}", "_type")
    if not types:
        raise InputError("the access token's scopes allow no type this server exports", "_type")
    since = None
    if params.get("_since"):
        raw = params["_since"][-1].strip()
        try:
            since = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            since = None
        if since is None or since.tzinfo is None:
            raise InputError(f"must be an instant with its zone, such as 2026-01-01T00:00:00Z (got {raw[:40]!r})", "_since")  # fmt: skip
    return Asked(level, group, types, since, type_filters(params.get("_typeFilter", []), types))


def type_filters(values: Sequence[str], types: Sequence[str]) -> dict[str, list[Q]]:
    """`_typeFilter`: per type, the searches (OR) that select its resources; refused by name."""
    filters: dict[str, list[Q]] = {}
    for raw in values:
        for one in raw.split(","):
            kind, _, query = one.strip().partition("?")
            if kind not in served.SERVED or not query:
                raise InputError(f"must be <type>?<search> for a type exported here (got {one[:60]!r})", "_typeFilter")  # fmt: skip
            if kind not in types:
                raise InputError(f"filters {kind}, which is not in _type", "_typeFilter")
            filters.setdefault(kind, []).append(served.query_filter(served.SERVED[kind], query))
    return filters


def kick_off(
    caller: smart.BackendCaller, asked: Asked, request_url: str, at: datetime
) -> ExportJob:
    return ExportJob.objects.create(
        id=uuid.uuid4(), client_id=caller.client.client_id, level=asked.level, group=asked.group,
        types=list(asked.types), since=asked.since, request_url=request_url[:2000],
        requested_at=at,
        progress="queued",
    )  # fmt: skip


def status_url(job: ExportJob) -> str:
    return f"{resources.public_url()}/fhir/bulk/{job.id}"


def folder(job_id: uuid.UUID | str) -> Path:
    return Path(settings.BULK_EXPORT_DIR) / str(job_id)


def manifest(job: ExportJob) -> dict[str, Any]:
    """The completed export's manifest (Bulk Data 2.0 "Complete Status")."""
    assert job.transaction_time is not None
    return {
        "transactionTime": job.transaction_time.isoformat(),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [
            {"type": o["type"], "url": f"{status_url(job)}/{o['file']}", "count": o["count"]}
            for o in job.output
        ],
        "error": [],
    }


# --- the worker ------------------------------------------------------------------------------------


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


def claim(job_id: uuid.UUID | str | None, worker: str, now: datetime) -> ExportJob | None:
    """Take a job to run (that one, or the oldest waiting): queued, or running with a worker that
    stopped answering. One worker gets it; another finds nothing."""
    waiting = ExportJob.objects.filter(
        Q(status=ExportStatus.QUEUED)
        | Q(status=ExportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    )
    if job_id is not None:
        waiting = waiting.filter(id=job_id)
    for job in waiting.order_by("requested_at")[:5]:
        taken = ExportJob.objects.filter(pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at).update(
            status=ExportStatus.RUNNING, claimed_by=worker, heartbeat_at=now, progress="started")  # fmt: skip
        if taken:
            job.refresh_from_db()
            return job
    return None


def run(job: ExportJob, now: Any = None) -> ExportJob:
    """Write the export's files (a claimed job); the job done, or failed with why."""
    clock_now = now or (lambda: datetime.now(UTC))
    try:
        _write(job, clock_now)
    except Exception as exc:  # the job fails; the system reads why from the status
        log.exception("bulk export %s failed", job.id)
        shutil.rmtree(folder(job.id), ignore_errors=True)
        ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
            status=ExportStatus.FAILED, error=f"the export failed: {type(exc).__name__}"[:1000],
            finished_at=clock_now())  # fmt: skip
    job.refresh_from_db()
    return job


def run_waiting(worker: str, limit: int | None = None) -> int:
    """Run the jobs waiting (the `naltrack bulk run` command); how many were run."""
    done = 0
    while limit is None or done < limit:
        job = claim(None, worker, datetime.now(UTC))
        if job is None:
            break
        run(job)
        done += 1
    return done


def start_in_background(job_id: uuid.UUID) -> None:
    """Run the job in a thread of this process, once the kick-off's transaction is committed."""

    def work() -> None:
        try:
            job = claim(job_id, worker_name(), datetime.now(UTC))
            if job is not None:
                run(job)
        finally:
            close_old_connections()

    transaction.on_commit(lambda: threading.Thread(target=work, name=f"bulk-{job_id}", daemon=True).start())  # fmt: skip


def _caller(job: ExportJob) -> smart.BackendCaller:
    client = next((c for c in settings.FHIR_CLIENTS if c.client_id == job.client_id), None)
    if client is None:
        raise RuntimeError("the client is no longer registered")
    return smart.BackendCaller(client, client.scopes)


def _patients(job: ExportJob) -> QuerySet[Patient]:
    rows = Patient.objects.filter(merged_into__isnull=True)
    if job.level == "group" and job.group == "active-episodes":
        rows = rows.filter(episodes__status=EpisodeStatus.ACTIVE)
    # Only a chart with a consent can be disclosed to anyone: the rest are not read at all.
    return rows.filter(consents__isnull=False).distinct().order_by("pk")


def _chunks(rows: QuerySet[Patient]) -> Iterator[list[Patient]]:
    ids = list(rows.values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        yield list(Patient.objects.filter(pk__in=ids[start : start + CHUNK]).order_by("pk"))


def _kind(resource_type: str) -> RecordKind:
    if resource_type == "Patient":
        return RecordKind.DEMOGRAPHICS
    if resource_type == "Flag":  # about the naltrexone given, as a read of it is (views._flags)
        return RecordKind.MEDICATIONS
    return served.SERVED[resource_type].record_kind


def _write(job: ExportJob, now: Any) -> None:
    caller = _caller(job)
    client = caller.client
    recipient = Recipient(
        client.name, RecipientClass(client.recipient_class) if client.recipient_class else None
    )
    purpose = Purpose(client.purpose)
    actor = Service.named(client.name, frozenset({Action.DISCLOSE_RECORDS}), None)
    types = [t for t in job.types if t in TYPES]
    filters = _stored_filters(job)
    # The clinic's clock dates the export and its disclosures, as every record it reads is dated
    # (a fixed demo day included); the worker's heartbeat stays on the machine's clock.
    started = clock.now()
    day = local_day(started)
    kinds = sorted({_kind(t) for t in types})
    out_dir = folder(job.id)
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    files = {t: (out_dir / f"{t}.ndjson.part").open("w", encoding="utf-8") for t in types}
    counts = dict.fromkeys(types, 0)
    exported = 0
    try:
        for chunk in _chunks(_patients(job)):
            allowed: dict[RecordKind, set[int]] = {}
            for kind in kinds:
                decisions = consent_decisions([(p, recipient) for p in chunk], purpose, frozenset({kind}), day)  # fmt: skip
                allowed[kind] = {p.pk for p, d in zip(chunk, decisions, strict=True) if d.allowed}
            released: dict[RecordKind, set[int]] = {k: set() for k in kinds}
            for p in chunk:
                mine = frozenset(k for k in kinds if p.pk in allowed[k])
                if not mine:
                    continue
                try:
                    disclose(p, recipient, purpose, mine, actor, clock.now(), channel=Channel.FHIR_API,
                             affiliation=f"FHIR bulk export {job.id} ({client.client_id})"[:NAME_MAX])  # fmt: skip
                except DisclosureRefused:
                    continue  # a consent revoked in between: this chart stays
                exported += 1
                for k in mine:
                    released[k].add(p.pk)
            for t in types:
                ids = released[_kind(t)]
                if ids and t == "Flag":
                    counts[t] += _write_flags(files[t], ids, day)
                elif ids:
                    counts[t] += _write_type(files[t], t, ids, job.since, filters.get(t))
            ExportJob.objects.filter(pk=job.pk).update(
                heartbeat_at=now(), progress=f"{exported} charts exported so far"
            )
    finally:
        for f in files.values():
            f.close()
    output = []
    for t in types:
        part = out_dir / f"{t}.ndjson.part"
        if counts[t]:
            part.rename(out_dir / f"{t}.ndjson")
            output.append({"type": t, "file": f"{t}.ndjson", "count": counts[t]})
        else:
            part.unlink()
    updated = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
        status=ExportStatus.DONE, output=output, patients=exported, transaction_time=started,
        finished_at=now(), progress="done",
    )  # fmt: skip
    if not updated:  # deleted while it ran: nothing is kept
        shutil.rmtree(out_dir, ignore_errors=True)


def _stored_filters(job: ExportJob) -> dict[str, list[Q]]:
    """The kick-off's _typeFilter, read again from the request it kept."""
    params = parse_qs(urlsplit(job.request_url).query)
    return type_filters(params.get("_typeFilter", []), job.types)


def _write_flags(out: Any, patient_ids: set[int], on: date) -> int:
    n = 0
    for flag in records.safety_flags(list(patient_ids), on):
        out.write(flag.model_dump_json(exclude_none=True))
        out.write("\n")
        n += 1
    return n


def _write_type(out: Any, resource_type: str, patient_ids: set[int], since: datetime | None,
                filters: list[Q] | None) -> int:  # fmt: skip
    if resource_type == "Patient":
        rows: QuerySet[Any] = Patient.objects.filter(pk__in=patient_ids)
        if since is not None:
            rows = rows.filter(created_at__gte=since)
        to_resource: Any = resources.patient
    else:
        kind = served.SERVED[resource_type]
        rows = kind.rows().filter(patient_id__in=patient_ids)
        if since is not None and kind.updated:
            rows = rows.filter(**{f"{kind.updated}__gte": since})
        if filters:
            q = Q(pk__in=[])
            for f in filters:
                q |= f
            rows = rows.filter(q)
        to_resource = kind.resource
    n = 0
    for row in rows.order_by("pk").iterator(chunk_size=1000):
        out.write(to_resource(row).model_dump_json(exclude_none=True))
        out.write("\n")
        n += 1
    return n


def delete(job: ExportJob) -> None:
    """Forget the job and remove its files (a job still running stops writing at its next step
    and keeps nothing)."""
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.DELETED, output=[], progress="deleted"
    )
    shutil.rmtree(folder(job.id), ignore_errors=True)


def read_job(job_id: str, caller: smart.BackendCaller) -> ExportJob:
    """The caller's own job (another system's, or a deleted one, is not there for it)."""
    try:
        key = uuid.UUID(job_id)
    except ValueError:
        key = None
    job = ExportJob.objects.filter(pk=key, client_id=caller.client.client_id).exclude(
        status=ExportStatus.DELETED).first() if key else None  # fmt: skip
    if job is None:
        raise InputError(f"no export {job_id[:40]!r} of this client", "id")
    return job
