"""`naltrack measures-doc`: print docs/measures.md, the outcome and quality measures' definitions
(issue 14), for the default or a given policy."""

from __future__ import annotations

import argparse
import sys

from ..clinical.errors import InputError
from ..outcomes.definitions import render_measures_doc
from .clinical import EXIT_INVALID, EXIT_OK, _emit, _policy


def _measures_doc(args: argparse.Namespace) -> int:
    try:
        policy = _policy(args)
    except InputError as err:
        _emit(err.as_dict())
        return EXIT_INVALID
    sys.stdout.write(render_measures_doc(policy))
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "measures-doc", help="print docs/measures.md (the outcome measures) for the (given) policy"
    )
    p.add_argument("--policy", metavar="FILE", help="a clinic policy TOML file")
    p.set_defaults(handler=_measures_doc)
