"""Whether a support person may be sent a notice now: the current consent the patient gave them
(support.py records it; planning.py and worker.py ask here before planning or sending; the one
consent filter, disclosure.services.disclose, still decides right before anything leaves)."""

from __future__ import annotations

from .models import ReminderChannel, SupportConsent, SupportPerson


def current_consent(person: SupportPerson) -> SupportConsent | None:
    return person.consents.filter(withdrawn_at__isnull=True).order_by("-given_at", "-id").first()


def wants(person: SupportPerson, notice: str) -> bool:
    """Whether a current consent covers this notice to this person, and they can be reached."""
    if person.removed_at is not None:
        return False
    if person.channel == ReminderChannel.SMS and person.sms_stopped_at is not None:
        return False
    found = current_consent(person)
    return found is not None and notice in found.notices and bool(person.address())
