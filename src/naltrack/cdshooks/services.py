"""The CDS Hooks services (issue 13): discovery, a hook call answered with cards, and feedback.

A call is answered in four steps, each refusing rather than guessing:

1. the request's shape (hook, hookInstance, context with the patient's id; the draft orders of an
   order hook), refused with a 400 naming the field;
2. the patient: the prefetched Patient must carry this clinic's MRN identifier (the system
   `{NALTRACK_PUBLIC_URL}/fhir/sid/mrn`), and its birth date, when given, must be the chart's. An
   EHR's own patient id is never taken for ours: two systems' ids collide. Without a prefetched
   Patient, it is read from the EHR's FHIR server when the request gives `fhirServer` and
   `fhirAuthorization` (https; 3 s at most); otherwise, or when that read fails, the answer is a
   412 (the specification's answer when the service cannot get the data it needs); a Patient that
   is not one of ours gets no card;
3. the advice: the core's (clinical/cds.py), from the facts the chart shows (the doses and the
   protection status, the latest signed screening of the episode);
4. the consent filter: a card about a patient of a 42 CFR Part 2 program is a disclosure. It goes
   through `disclose` to the client as the patient's treating provider, for treatment, of the
   medication records; refused (no consent covers it), the answer has no card at all, since even
   "this patient is in a program" is the protected fact. Permitted, it is accounted (channel
   CDS Hooks) and the re-disclosure notice travels in the card.
"""

from __future__ import annotations

import json
import logging
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from django.conf import settings

from naltrack.accounts.actors import Service
from naltrack.accounts.roles import Action
from naltrack.alerts.snapshot import read_record, record_protection
from naltrack.clinic import active_policy
from naltrack.clinical.cds import (
    Advice,
    Indicator,
    OrderKind,
    StartFacts,
    classify_order,
    naltrexone_order,
    opioid_order,
    patient_view,
)
from naltrack.clinical.consent import (
    DisclosureRefused,
    Purpose,
    Recipient,
    RecipientClass,
    RecordKind,
)
from naltrack.clinical.errors import InputError
from naltrack.clinical.protection import ProtectionStatus
from naltrack.clock import local_day
from naltrack.disclosure.models import Channel
from naltrack.disclosure.services import NAME_MAX, disclose
from naltrack.fhir.resources import mrn_system
from naltrack.patients.models import EpisodeStatus, Patient
from naltrack.screening.models import ScreeningRecord

from .auth import Caller
from .models import Feedback

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
PATIENT_PREFETCH = {"patient": "Patient/{{context.patientId}}"}
# Every card links to the label its advice rests on: the clinical reference's source S1, whose
# canonical copy is DailyMed's (clinical-reference.md, "Sources").
LABEL_LINK = ("VIVITROL (naltrexone) prescribing information, DailyMed",
              "https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=VIVITROL")  # fmt: skip
LOOPBACK = ("http://127.0.0.1", "http://localhost")
FETCH_TIMEOUT_S = 3  # a card must come in well under a second; a slow EHR gets none
MAX_PATIENT_BYTES = 1_000_000
log = logging.getLogger("naltrack.cdshooks")


@dataclass(frozen=True, slots=True)
class Hook:
    id: str
    hook: str
    title: str
    description: str
    orders: bool  # the context carries draft orders


SERVICES = {
    h.id: h
    for h in (
        Hook("naltrexone-status", "patient-view", "Naltrexone treatment status",
             "Whether naltrexone blocks opioids today and until when, an overdue injection, and "
             "the overdose-risk window after it wears off or treatment stops.", False),
        Hook("naltrexone-order-select", "order-select", "Opioid or naltrexone order check (select)",
             "When an opioid is chosen for a patient covered by naltrexone, or naltrexone for a "
             "patient whose opioid-free interval is not complete.", True),
        Hook("naltrexone-order-sign", "order-sign", "Opioid or naltrexone order check (sign)",
             "The same check as the order is signed.", True),
    )
}  # fmt: skip


class NoPrefetch(Exception):
    """The request has no prefetched Patient (412)."""


def discovery() -> dict[str, Any]:
    return {
        "services": [
            {"hook": h.hook, "id": h.id, "title": h.title, "description": h.description,
             "prefetch": PATIENT_PREFETCH}
            for h in SERVICES.values()
        ]
    }  # fmt: skip


# --- 1. the request -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Order:
    resource_id: str  # "MedicationRequest/<id>" for a suggestion's delete action
    text: str
    rxnorm: str | None


@dataclass(frozen=True, slots=True)
class HookRequest:
    hook_instance: str
    patient_id: str
    prefetched: Mapping[str, Any] | None
    orders: tuple[Order, ...]
    fhir_server: str = ""  # the EHR's FHIR server and a token for it, to read the Patient when it
    fhir_token: str = ""  # was not prefetched (CDS Hooks 2.0 "FHIR Resource Access")


def _obj(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise InputError("must be a JSON object", field)
    return value


def _str(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 500:
        raise InputError("must be text of 1 to 500 characters", field)
    return value


def _order(entry: object, i: int) -> Order | None:
    field = f"context.draftOrders.entry[{i}].resource"
    resource = _obj(_obj(entry, f"context.draftOrders.entry[{i}]").get("resource"), field)
    if resource.get("resourceType") != "MedicationRequest":
        return None  # a lab or a referral: nothing naltrack has to say
    concept = resource.get("medicationCodeableConcept")
    if concept is None:
        raise InputError("a MedicationRequest needs medicationCodeableConcept", f"{field}.medicationCodeableConcept")  # fmt: skip
    concept = _obj(concept, f"{field}.medicationCodeableConcept")
    codings = concept.get("coding", [])
    if not isinstance(codings, list):
        raise InputError("must be a list", f"{field}.medicationCodeableConcept.coding")
    rxnorm = next((c.get("code") for c in codings
                   if isinstance(c, dict) and c.get("system") == RXNORM and isinstance(c.get("code"), str)), None)  # fmt: skip
    words = [concept.get("text")] + [c.get("display") for c in codings if isinstance(c, dict)]
    text = next((w for w in words if isinstance(w, str) and w.strip()), "")
    if not text and rxnorm is None:
        raise InputError("name the medicine (text, or an RxNorm coding)", f"{field}.medicationCodeableConcept")  # fmt: skip
    rid = resource.get("id")
    return Order(
        f"MedicationRequest/{rid}" if isinstance(rid, str) else "",
        text or f"RxNorm {rxnorm}",
        rxnorm,
    )


def parse(hook: Hook, body: object) -> HookRequest:
    data = _obj(body, "body")
    if data.get("hook") != hook.hook:
        raise InputError(f"this service answers the {hook.hook} hook", "hook")
    instance = _str(data.get("hookInstance"), "hookInstance")
    context = _obj(data.get("context"), "context")
    patient_id = _str(context.get("patientId"), "context.patientId")
    _str(context.get("userId"), "context.userId")
    prefetch = data.get("prefetch")
    prefetched = None if prefetch is None else _obj(prefetch, "prefetch")
    orders: list[Order] = []
    if hook.orders:
        bundle = _obj(context.get("draftOrders"), "context.draftOrders")
        entries = bundle.get("entry", [])
        if not isinstance(entries, list):
            raise InputError("must be a list", "context.draftOrders.entry")
        found = [o for i, e in enumerate(entries) if (o := _order(e, i)) is not None]
        if hook.hook == "order-select":  # only the orders just selected are about to be decided
            selections = context.get("selections")
            if not isinstance(selections, list) or not all(isinstance(s, str) for s in selections):
                raise InputError("must be a list of the selected orders' references", "context.selections")  # fmt: skip
            found = [o for o in found if o.resource_id in selections]
        orders = found
    server, token = _fhir_access(data)
    return HookRequest(instance, patient_id, prefetched, tuple(orders), server, token)


def _fhir_access(data: Mapping[str, Any]) -> tuple[str, str]:
    """`fhirServer` and `fhirAuthorization.access_token`, when the EHR sends both: https only
    (loopback http for tests), as the specification requires of a token's travel."""
    server, auth = data.get("fhirServer"), data.get("fhirAuthorization")
    if server is None or auth is None:
        return "", ""
    server = _str(server, "fhirServer")
    if not server.startswith(("https://", *LOOPBACK)):
        raise InputError("must be an https address", "fhirServer")
    auth = _obj(auth, "fhirAuthorization")
    if str(auth.get("token_type", "")).lower() != "bearer":
        raise InputError("token_type must be Bearer", "fhirAuthorization.token_type")
    return server.rstrip("/"), _str(auth.get("access_token"), "fhirAuthorization.access_token")


def _fetch_patient(request: HookRequest) -> Mapping[str, Any]:
    """The Patient read from the EHR's FHIR server (no prefetch sent); NoPrefetch when it cannot be
    read, as the specification's 412 says."""
    url = f"{request.fhir_server}/Patient/{quote(request.patient_id, safe='')}"
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {request.fhir_token}",
                                               "Accept": "application/fhir+json"})  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=FETCH_TIMEOUT_S) as response:
            found = json.loads(response.read(MAX_PATIENT_BYTES))
    except (OSError, ValueError):
        log.warning("CDS Hooks: could not read the Patient from the EHR's FHIR server")
        raise NoPrefetch from None
    if not isinstance(found, dict):
        raise NoPrefetch
    return found


# --- 2. the patient -------------------------------------------------------------------------------


def find_patient(request: HookRequest) -> Patient | None:
    """Ours when the prefetched Patient names our MRN (and, if it gives one, the same birth
    date); a merged chart answers as the chart it was merged into."""
    if request.prefetched is not None and request.prefetched.get("patient") is not None:
        resource = _obj(request.prefetched.get("patient"), "prefetch.patient")
    elif request.fhir_server:
        resource = _fetch_patient(request)
    else:
        raise NoPrefetch
    if resource.get("resourceType") != "Patient":
        raise InputError("must be a Patient", "prefetch.patient")
    system = mrn_system()
    identifiers = resource.get("identifier", [])
    mrns = [i.get("value") for i in identifiers if isinstance(i, dict) and i.get("system") == system] if isinstance(identifiers, list) else []  # fmt: skip
    mrn = next((m for m in mrns if isinstance(m, str)), None)
    if mrn is None:
        return None
    patient = Patient.objects.filter(mrn=mrn).select_related("merged_into").first()
    if patient is None:
        return None
    birth = resource.get("birthDate")
    if birth is not None and birth != patient.birth_date.isoformat():
        return None  # the same MRN on another person: say nothing
    while patient.merged_into is not None:
        patient = patient.merged_into
    return patient


# --- 3. the advice --------------------------------------------------------------------------------


def _status(patient: Patient, on: date) -> ProtectionStatus:
    policy = active_policy()
    return record_protection(read_record(patient, on, policy), on, policy)


def _start(patient: Patient) -> StartFacts:
    episode = patient.episodes.filter(status=EpisodeStatus.ACTIVE).first()
    rec = (
        ScreeningRecord.objects.filter(episode=episode, signed_at__isnull=False)
        .order_by("-as_of", "-signed_at").first()
        if episode else None
    )  # fmt: skip
    if rec is None:
        return StartFacts(None, None, None)
    return StartFacts(rec.as_of, rec.decision, rec.earliest_start_date)


def advise(hook: Hook, request: HookRequest, patient: Patient, on: date) -> list[tuple[Advice, Order | None]]:  # fmt: skip
    status = _status(patient, on)
    if not hook.orders:
        found = patient_view(status)
        return [(found, None)] if found else []
    out: list[tuple[Advice, Order | None]] = []
    for order in request.orders:
        kind = classify_order(order.text, order.rxnorm)
        advice = (
            opioid_order(status, order.text) if kind is OrderKind.OPIOID
            else naltrexone_order(status, _start(patient), on) if kind is OrderKind.NALTREXONE
            else None
        )  # fmt: skip
        if advice is not None:
            out.append((advice, order))
    return out


# --- 4. the consent filter and the cards ----------------------------------------------------------


def _card(advice: Advice, order: Order | None, notice: str) -> dict[str, Any]:
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": advice.summary,
        "indicator": advice.indicator.value,
        "detail": f"{advice.detail}\n\nSource: naltrack clinical reference, {advice.source}.\n\n*{notice}*",
        "source": {"label": f"naltrack, {settings.REMINDERS.clinic_short_name}"},
        "selectionBehavior": "at-most-one",
        "links": [
            {
                "label": LABEL_LINK[0],
                "url": LABEL_LINK[1],
                "type": "absolute",
                "autoLaunchable": False,
            }
        ],  # a page to read, never opened by itself
    }
    if order is not None and order.resource_id and advice.indicator is Indicator.CRITICAL:
        card["suggestions"] = [{
            "label": "Remove this order", "uuid": str(uuid.uuid4()), "isRecommended": False,
            "actions": [{"type": "delete", "description": f"Remove the order of {order.text[:60]}",
                         "resourceId": order.resource_id}],
        }]  # fmt: skip
    return card


def answer(hook: Hook, body: object, caller: Caller, *, at: datetime,
           remote_addr: str | None) -> dict[str, Any]:  # fmt: skip
    """The hook's cards (see the module's docstring); raises InputError (400) or NoPrefetch (412)."""
    request = parse(hook, body)
    if request.fhir_server.startswith("http://") and not caller.client.jwks_url.startswith(
        LOOPBACK
    ):
        # Plain http on loopback is for a client that is itself on this machine (a test, a local
        # EHR): an EHR elsewhere may not point naltrack at this machine's own services.
        raise InputError("must be an https address", "fhirServer")
    patient = find_patient(request)
    if patient is None:
        return {"cards": []}
    on = local_day(at)
    found = advise(hook, request, patient, on)
    if not found:
        return {"cards": []}
    actor = Service.named(caller.client.name, frozenset({Action.DISCLOSE_RECORDS}), remote_addr)
    try:
        released = disclose(
            patient, Recipient(caller.client.name, RecipientClass.TREATING_PROVIDERS),
            Purpose.TREATMENT, {RecordKind.MEDICATIONS}, actor, at, channel=Channel.CDS_HOOKS,
            affiliation=f"CDS Hooks {hook.id} ({caller.client.iss})"[:NAME_MAX],
        )  # fmt: skip
    except DisclosureRefused:
        return {"cards": []}  # nothing leaves; disclose audited the refusal
    return {"cards": [_card(advice, order, released.notice) for advice, order in found]}


# --- feedback -------------------------------------------------------------------------------------

OUTCOMES = ("accepted", "overridden")


def record_feedback(hook: Hook, body: object, caller: Caller, *, at: datetime) -> int:
    """Store each card's outcome (CDS Hooks 2.0 feedback); all or nothing."""
    items = _obj(body, "body").get("feedback")
    if not isinstance(items, list) or not items:
        raise InputError("must be a non-empty list", "feedback")
    rows = []
    for i, item in enumerate(items):
        f = f"feedback[{i}]"
        item = _obj(item, f)
        outcome = item.get("outcome")
        if outcome not in OUTCOMES:
            raise InputError(f"must be one of {', '.join(OUTCOMES)}", f"{f}.outcome")
        accepted = item.get("acceptedSuggestions", [])
        if not isinstance(accepted, list) or not all(isinstance(a, dict) and isinstance(a.get("id"), str) for a in accepted):  # fmt: skip
            raise InputError("must be a list of {id}", f"{f}.acceptedSuggestions")
        reason = item.get("overrideReason", {})
        if not isinstance(reason, dict):
            raise InputError("must be a JSON object", f"{f}.overrideReason")
        try:
            when = datetime.fromisoformat(
                _str(item.get("outcomeTimestamp"), f"{f}.outcomeTimestamp")
            )
        except ValueError as exc:
            raise InputError("must be an ISO 8601 instant", f"{f}.outcomeTimestamp") from exc
        if when.tzinfo is None:
            raise InputError("must carry its time zone", f"{f}.outcomeTimestamp")
        rows.append(Feedback(client=caller.client.iss, service=hook.id, card=_str(item.get("card"), f"{f}.card")[:100],
                             outcome=outcome, accepted_suggestions=accepted, override_reason=reason,
                             outcome_at=when, received_at=at))  # fmt: skip
    Feedback.objects.bulk_create(rows)
    return len(rows)
