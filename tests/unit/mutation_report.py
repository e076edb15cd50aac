"""Score a finished `mutmut run` of the clinical core and fail when logic mutants survive.

Run by `make mutation` after `mutmut run`, from the project root (it reads mutants/). Prints, per
module, the mutants killed, the ones not killed (survived, or no unit test reaches them) and how
many of those change logic rather than message text; exits 1 when the logic mutants not killed
exceed the threshold (`--max-logic-percent`, 2 by default: issue 9 Part 8).

A mutant is "text" when its only change is inside a string literal that contains a space: a
sentence a clinician reads (message, action), which the tests should assert but a change of which
does not change a decision. Every other mutant is "logic": an operator, a number, a name, a field
name, a JSON key or a code such as "late_uds_required".

Mutants that cannot change anything a caller can observe are listed, with the reason, in
mutation_equivalents.toml next to this file, matched by function and by the changed line (not by
mutmut's number, which moves when the function changes); they count neither as killed nor as
survivors. The same file lists the functions that run only while the core is imported or that fill
a cache the test session has already filled (`[[import_time]]`): mutmut 3 forks each mutant's test
run from a process where they have already run, so their mutants cannot be told apart from the
original; they are counted in their own column ("import"), not as logic survivors.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import unified_diff
from pathlib import Path

MUTANTS = Path("mutants")
EQUIVALENTS = Path(__file__).with_name("mutation_equivalents.toml")
KILLED = {1, 3}  # pytest failed (or errored) with the mutant in place
TIMEOUT = {24, -24, 36, 152, 255}  # the mutant made the tests hang: caught
NOT_KILLED = {0: "survived", 33: "no tests", 5: "no tests"}


@dataclass
class Tally:
    killed: int = 0
    timeout: int = 0
    equivalent: int = 0
    import_time: int = 0
    text: list[str] = field(default_factory=list)
    logic: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # not checked, suspicious, segfault

    @property
    def total(self) -> int:
        return self.killed + self.timeout + len(self.text) + len(self.logic) + len(self.other)


class _Prose(ast.NodeTransformer):
    """Replace every string constant that holds a space by the same placeholder."""

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        if isinstance(node.value, str) and any(ch.isspace() for ch in node.value.strip()):
            return ast.copy_location(ast.Constant("<prose>"), node)
        return node


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    out: dict[str, ast.FunctionDef] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            out[node.name] = node
        elif isinstance(node, ast.ClassDef):
            out.update({m.name: m for m in node.body if isinstance(m, ast.FunctionDef)})
    return out


def _body(fn: ast.FunctionDef) -> str:
    """The function's source under a neutral name, so the original and the mutant compare."""
    renamed = copy.copy(fn)
    renamed.name = "f"
    renamed.decorator_list = []
    return ast.unparse(renamed)


def _changed_lines(orig: str, mutant: str) -> tuple[str, str]:
    diff = list(unified_diff(orig.splitlines(), mutant.splitlines(), lineterm="", n=0))
    removed = " | ".join(x[1:].strip() for x in diff if x.startswith("-") and x[:3] != "---")
    added = " | ".join(x[1:].strip() for x in diff if x.startswith("+") and x[:3] != "+++")
    return removed, added


def _short(removed: str, added: str, context: int = 30) -> str:
    """The changed part of a long line, with some context either side."""
    start = 0
    while start < min(len(removed), len(added)) and removed[start] == added[start]:
        start += 1
    end = 0
    while end < min(len(removed), len(added)) - start and removed[-1 - end] == added[-1 - end]:
        end += 1
    lo = max(0, start - context)

    def cut(text: str) -> str:
        hi = len(text) - max(0, end - context)
        return ("..." if lo else "") + text[lo:hi] + ("..." if hi < len(text) else "")

    return f"{cut(removed)}  ->  {cut(added)}"


@dataclass(frozen=True)
class Mutant:
    name: str  # naltrack.clinical.coverage.x_clip__mutmut_7
    function: str  # naltrack.clinical.coverage.x_clip
    removed: str
    added: str
    text_only: bool


def _mutants_of(path: Path, names: list[str]) -> Iterator[Mutant]:
    functions = _functions(ast.parse((MUTANTS / path).read_text("utf-8")))
    for name in names:
        module, _, generated = name.rpartition(".")
        base = generated.rpartition("__mutmut_")[0]
        orig, mutant = functions[base + "__mutmut_orig"], functions[generated]
        removed, added = _changed_lines(_body(orig), _body(mutant))
        text_only = ast.dump(_Prose().visit(ast.parse(_body(orig)))) == ast.dump(
            _Prose().visit(ast.parse(_body(mutant)))
        )
        yield Mutant(name, f"{module}.{base}", removed, added, text_only)


def _equivalents() -> tuple[set[tuple[str, str, str]], set[str]]:
    if not EQUIVALENTS.exists():
        return set(), set()
    doc = tomllib.loads(EQUIVALENTS.read_text("utf-8"))
    rows = doc.get("equivalent", [])
    return {(r["function"], r["from"], r["to"]) for r in rows}, {
        r["function"] for r in doc.get("import_time", [])
    }


def _in_scope(function: str, only: list[str]) -> bool:
    """Whether `function` (naltrack.clinical.coverage.x_clip) belongs to a scored module."""
    module = function.rpartition(".")[0].removeprefix("naltrack.clinical.")
    return not only or any(module == o or module.startswith(f"{o}.") for o in only)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-logic-percent", type=float, default=2.0)
    parser.add_argument(
        "--only",
        nargs="*",
        default=[],
        help="modules of naltrack.clinical to score, e.g. regimens instruments (default: all)",
    )
    parser.add_argument("--list", action="store_true", help="print every mutant not killed")
    args = parser.parse_args(argv)

    (equivalents, import_time), used = _equivalents(), set()
    tallies: dict[str, Tally] = {}
    for meta in sorted((MUTANTS / "src").rglob("*.py.meta")):
        path = meta.relative_to(MUTANTS).with_suffix("")
        module = path.relative_to("src/naltrack/clinical").as_posix()
        if args.only and not any(
            module == f"{o.replace('.', '/')}.py" or module.startswith(f"{o.replace('.', '/')}/")
            for o in args.only
        ):
            continue
        codes: dict[str, int | None] = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        if not codes:
            continue
        tally = tallies.setdefault(module, Tally())
        open_names = [n for n, c in codes.items() if c not in KILLED | TIMEOUT]
        details = {m.name: m for m in _mutants_of(path, open_names)}
        for name, code in codes.items():
            if code in KILLED:
                tally.killed += 1
            elif code in TIMEOUT:
                tally.timeout += 1
            else:
                m = details[name]
                key = (m.function, m.removed, m.added)
                if key in equivalents:
                    tally.equivalent += 1
                    used.add(key)
                    continue
                if m.function in import_time:
                    tally.import_time += 1
                    continue
                status = NOT_KILLED.get(code) if code is not None else None
                line = f"{name} [{status or f'exit {code}'}]: {_short(m.removed, m.added)}"
                if status is None:
                    tally.other.append(line)
                elif m.text_only:
                    tally.text.append(line)
                else:
                    tally.logic.append(line)

    if not tallies:
        print("no mutation results in mutants/: run `mutmut run` first", file=sys.stderr)
        return 2
    head = (
        f"{'module':32} {'mutants':>7} {'killed':>7} {'equiv':>5} {'import':>6} {'text':>5} "
        f"{'logic':>5} {'other':>5}  score"
    )
    print(head)
    grand = Tally()
    for module, t in tallies.items():
        scored = t.total
        score = (t.killed + t.timeout) / scored if scored else 1.0
        print(
            f"{module:32} {scored:7} {t.killed + t.timeout:7} {t.equivalent:5} {t.import_time:6} "
            f"{len(t.text):5} {len(t.logic):5} {len(t.other):5}  {score:6.1%}"
        )
        grand.killed += t.killed
        grand.timeout += t.timeout
        grand.equivalent += t.equivalent
        grand.import_time += t.import_time
        grand.text += t.text
        grand.logic += t.logic
        grand.other += t.other
    total = grand.total
    logic_pct = 100 * (len(grand.logic) + len(grand.other)) / total if total else 0.0
    print(
        f"{'all':32} {total:7} {grand.killed + grand.timeout:7} {grand.equivalent:5} "
        f"{grand.import_time:6} {len(grand.text):5} {len(grand.logic):5} {len(grand.other):5}  "
        f"{(grand.killed + grand.timeout) / total if total else 1.0:6.1%}"
    )
    print(
        f"logic mutants not killed: {len(grand.logic) + len(grand.other)} of {total} "
        f"({logic_pct:.2f}%; the limit is {args.max_logic_percent:g}%); "
        f"text-only mutants not killed: {len(grand.text)}; documented equivalents: "
        f"{grand.equivalent}; import-time mutants (not testable by mutmut): {grand.import_time}"
    )
    if args.list or logic_pct > args.max_logic_percent:
        for line in grand.logic + grand.other:
            print("  logic:", line)
    if args.list:
        for line in grand.text:
            print("  text: ", line)
    # An entry of a scored module that matched nothing: its code changed, so re-check it.
    stale = sorted(e for e in equivalents - used if _in_scope(e[0], args.only))
    if stale:
        print(
            f"note: {len(stale)} documented equivalents no longer match a mutant (source changed?)"
        )
        for function, removed, added in stale:
            print(f"  stale: {function}: {_short(removed, added)}")
    if logic_pct > args.max_logic_percent:
        print("FAIL: surviving logic mutants exceed the limit", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
