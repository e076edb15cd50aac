"""The audit chain's text with its links left out (chain.linkable), which the writer fills in where
the chain head is locked, gives event_hash's bytes for any values: a writer that serialised
differently would break the chain for `naltrack audit verify`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from naltrack.audit.chain import GENESIS, event_hash, linkable, linked_hash

# Any text a field can hold: quotes, backslashes, control characters, accents, emoji, RTL marks
text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))]
)


@given(
    seq=st.integers(min_value=1, max_value=2**62),
    prev=st.sampled_from([GENESIS, "ab" * 32, "0123456789abcdef" * 4]),
    at=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2200, 1, 1), timezones=zones),
    actor=text, action=text, object_type=text, object_id=text, patient_mrn=text,
    remote=st.one_of(st.none(), st.just(""), st.sampled_from(["10.1.2.3", "2001:db8::1"])),
    detail=text,
)  # fmt: skip
def test_the_text_around_the_links_gives_the_event_hash(
    seq: int, prev: str, at: datetime, actor: str, action: str, object_type: str,
    object_id: str, patient_mrn: str, remote: str | None, detail: str,
) -> None:  # fmt: skip
    fields: dict[str, Any] = dict(at=at, actor=actor, action=action, object_type=object_type, object_id=object_id,
                  patient_mrn=patient_mrn, remote_addr=remote, detail=detail)  # fmt: skip
    assert linked_hash(linkable(**fields), seq, prev) == event_hash(
        seq=seq, prev_hash=prev, **fields
    )


def test_a_hand_written_event_gives_the_event_hash() -> None:
    fields: dict[str, Any] = dict(at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC), actor='nina "n" \\ nurse',
                  action="read", object_type="patient_chart", object_id="7",
                  patient_mrn="MRN-0001", remote_addr="10.0.0.1", detail="line\nbreak\ttab\x01é😀")  # fmt: skip
    text = linkable(**fields)
    assert text.filled(12, GENESIS).startswith('{"action":"read","actor":"nina \\"n\\" \\\\ nurse"')
    assert linked_hash(text, 12, GENESIS) == event_hash(seq=12, prev_hash=GENESIS, **fields)
