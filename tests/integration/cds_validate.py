"""Run by the CDS Hooks tests under healthchain's own virtualenv (.venv-cds: its fhir.resources pin
clashes with ours): validate naltrack's CDS Hooks documents with healthchain's models of the
specification. Reads {"discovery": ..., "requests": [...], "responses": [...]} on stdin; prints
each failure and exits 1 if any, else prints how many documents passed."""

from __future__ import annotations

import json
import sys

from healthchain.models import CDSRequest, CDSResponse, CDSServiceInformation
from healthchain.models.hooks import OrderSelectContext, OrderSignContext, PatientViewContext
from pydantic import ValidationError

CONTEXTS = {"patient-view": PatientViewContext, "order-select": OrderSelectContext,
            "order-sign": OrderSignContext}  # fmt: skip


def main() -> int:
    docs = json.load(sys.stdin)
    failures, passed = [], 0
    checks = [("discovery", CDSServiceInformation, docs["discovery"])]
    checks += [(f"request {i}", CDSRequest, r) for i, r in enumerate(docs["requests"])]
    checks += [
        (f"request {i} context", CONTEXTS[r["hook"]], r["context"])
        for i, r in enumerate(docs["requests"])
    ]
    checks += [(f"response {i}", CDSResponse, r) for i, r in enumerate(docs["responses"])]
    for name, model, doc in checks:
        try:
            model.model_validate(doc)
            passed += 1
        except ValidationError as exc:
            failures.append(f"{name}: {exc}")
    for f in failures:
        print(f)
    print(f"{passed} of {len(checks)} documents valid")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
