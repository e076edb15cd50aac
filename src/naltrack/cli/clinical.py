"""`naltrack screen`, `score`, `schedule`, `coverage` and `rules-doc`: the clinical core as JSON.

Each command reads one JSON document and prints one. Exit 0 when the input was evaluated, 2 when
it was invalid: then standard output holds only {"error": ..., "field": ...}
(shared/contracts/screening.md). No command reads the clock. `coverage --ndjson` answers one
request per line (many patients), each line's answer the one-patient answer.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

from ..clinical import instruments
from ..clinical.coverage import parse_coverage_request
from ..clinical.errors import InputError
from ..clinical.mar import PriorInjection, UrineScreen, visit_decision
from ..clinical.policy import DEFAULT_POLICY, Policy, load_policy
from ..clinical.regimens import (
    ScreenResult,
    build_schedule,
    injection_timing,
    parse_schedule_request,
)
from ..clinical.rulesdoc import render_rules_doc
from ..clinical.screening import screen
from ..clinical.screening_facts import parse_screening_facts

EXIT_OK = 0
EXIT_INVALID = 2

Handler = Callable[[Policy, object, argparse.Namespace], dict[str, Any]]


def _emit(document: object) -> None:
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def _read_json(source: str) -> object:
    try:
        if source == "-":
            text = sys.stdin.read()
        else:
            with open(source, encoding="utf-8") as f:
                text = f.read()
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror}", "input") from None
    except UnicodeDecodeError:
        raise InputError("the input is not UTF-8 text", "input") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"the input is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
            "input",
        ) from None


def _policy(args: argparse.Namespace) -> Policy:
    path = getattr(args, "policy", None)
    return load_policy(path) if path else DEFAULT_POLICY


def _run(handler: Handler) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            policy = _policy(args)
            document = _read_json(args.input)
            result = handler(policy, document, args)
        except InputError as err:
            _emit(err.as_dict())
            return EXIT_INVALID
        _emit(result)
        return EXIT_OK

    return run


def _screen(policy: Policy, document: object, args: argparse.Namespace) -> dict[str, Any]:
    return screen(parse_screening_facts(document), policy).as_dict()


def _score(policy: Policy, document: object, args: argparse.Namespace) -> dict[str, Any]:
    return instruments.score(args.instrument, document).as_dict()


def _schedule(policy: Policy, document: object, args: argparse.Namespace) -> dict[str, Any]:
    parsed = parse_schedule_request(document)
    out = build_schedule(parsed.request, policy).as_dict()
    if parsed.last_injection is not None and parsed.as_of is not None:
        timing = injection_timing(parsed.last_injection, parsed.as_of, policy).as_dict()
        screens: tuple[UrineScreen, ...] = ()
        if parsed.urine_screen is not None:
            day, result = parsed.urine_screen
            screens = (UrineScreen(day, result is ScreenResult.POSITIVE),)
        visit = visit_decision(
            PriorInjection(parsed.last_injection, parsed.request.last_injection_side),
            parsed.as_of,
            policy,
            opioid_use_reported=parsed.opioid_use_reported,
            urine_screens=screens,
        )
        # Added fields (the late tier decided on the visit's facts); the others keep their names.
        timing["opioid_use_reported"] = parsed.opioid_use_reported
        timing["urine_screen_required"] = visit.urine_screen_required
        timing["urine_screen_negative"] = visit.urine_screen_negative
        timing["give_today"] = visit.accepted
        timing["refusals"] = [r.as_dict() for r in visit.refusals]
        out["injection_timing"] = timing
    return out


def _coverage(policy: Policy, document: object, args: argparse.Namespace) -> dict[str, Any]:
    return parse_coverage_request(document).evaluate(policy)


def _lines(source: str) -> Iterator[bytes]:
    """The input's lines as bytes, read as they come (never the whole input in memory)."""
    if source == "-":
        yield from sys.stdin.buffer
        return
    try:
        f = open(source, "rb")  # noqa: SIM115 - closed below, after the last line
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror}", "input") from None
    with f:
        yield from f


def _coverage_line(policy: Policy, number: int, raw: bytes) -> dict[str, Any]:
    """One NDJSON line's answer: exactly the one-patient answer, or the line's error."""
    try:
        try:
            document = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise InputError("the line is not UTF-8 text", "input") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"the line is not valid JSON ({exc.msg} at column {exc.colno})",
                             "input") from None  # fmt: skip
        return parse_coverage_request(document).evaluate(policy)
    except InputError as err:
        return {"line": number, **err.as_dict()}


def _coverage_ndjson(args: argparse.Namespace) -> int:
    """`naltrack coverage --ndjson`: one request per line in, one answer per line out, in order.
    A bad line answers {"line": n, "error", "field"} and the others go on; the exit status is 2
    when any line failed (0 when every line was evaluated). Blank lines are skipped (their
    numbers still count, so `line` is the line's number in the file)."""
    failed = False
    try:
        policy = _policy(args)
        out = sys.stdout
        for number, raw in enumerate(_lines(args.input), start=1):
            if not raw.strip():
                continue
            answer = _coverage_line(policy, number, raw)
            failed = failed or "line" in answer
            out.write(json.dumps(answer, ensure_ascii=False, separators=(",", ":")) + "\n")
    except InputError as err:  # the policy or the input itself: nothing to answer line by line
        sys.stdout.write(json.dumps(err.as_dict(), ensure_ascii=False) + "\n")
        return EXIT_INVALID
    return EXIT_INVALID if failed else EXIT_OK


def _coverage_command(args: argparse.Namespace) -> int:
    if args.ndjson:
        return _coverage_ndjson(args)
    return _run(_coverage)(args)


def _rules_doc(args: argparse.Namespace) -> int:
    try:
        policy = _policy(args)
    except InputError as err:
        _emit(err.as_dict())
        return EXIT_INVALID
    sys.stdout.write(render_rules_doc(policy))
    return EXIT_OK


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "input", nargs="?", default="-", help="JSON file to read, or - for standard input (default)"
    )
    p.add_argument(
        "--policy",
        metavar="FILE",
        help="a clinic policy TOML file (default: the naltrack default policy)",
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("screen", help="may this patient start naltrexone, and if not, when")
    _add_common(p)
    p.set_defaults(handler=_run(_screen))

    p = sub.add_parser(
        "score",
        help="score a standard instrument (phq9, cows, ciwa_ar, audit, audit_c, dsm5_sud, ...)",
    )
    p.add_argument("instrument", help=", ".join(instruments.SCORERS))
    _add_common(p)
    p.set_defaults(handler=_run(_score))

    p = sub.add_parser(
        "schedule", help="dated doses of a regimen from a start date; late-injection tier"
    )
    _add_common(p)
    p.set_defaults(handler=_run(_schedule))

    p = sub.add_parser(
        "coverage", help="days covered, PDC, gaps and risk windows from administrations"
    )
    _add_common(p)
    p.add_argument(
        "--ndjson",
        action="store_true",
        help="many requests: one JSON request per line in, one answer per line out (a bad line "
        'answers {"line", "error", "field"}; exit 2 when any line failed)',
    )
    p.set_defaults(handler=_coverage_command)

    p = sub.add_parser("rules-doc", help="print docs/clinical-rules.md for the (given) policy")
    p.add_argument("--policy", metavar="FILE", help="a clinic policy TOML file")
    p.set_defaults(handler=_rules_doc)
