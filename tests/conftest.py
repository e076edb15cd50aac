"""Shared test settings: hypothesis is deterministic, so a failure reproduces.

Under mutmut (`make mutation`, which sets MUTANT_UNDER_TEST before pytest starts) the property
tests run a few examples and do not shrink a failure: each mutant re-runs every test that reaches
the mutated function, a failure only has to be seen, not minimized, and the boundary tables of
tests/unit are what must kill the mutants. The normal suite keeps 200 examples.
"""

import os

from hypothesis import Phase, settings

settings.register_profile("naltrack", derandomize=True, deadline=None, max_examples=200)
settings.register_profile(
    "mutation",
    derandomize=True,
    deadline=None,
    max_examples=20,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
settings.load_profile("mutation" if "MUTANT_UNDER_TEST" in os.environ else "naltrack")
