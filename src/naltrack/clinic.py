"""The clinic's running policy: the one object every service, page, API call, command and the
nightly refresh passes to the clinical core.

The application never names `DEFAULT_POLICY` itself: it asks `active_policy()`, which returns the
policy loaded (and validated) at start from NALTRACK_POLICY_FILE, or the naltrack default policy
when no file is set (README, Configuration).
"""

from __future__ import annotations

from django.conf import settings

from naltrack.clinical.policy import DEFAULT_POLICY, Policy


def active_policy() -> Policy:
    """The clinic's policy, as loaded at start (settings.CONFIG.policy)."""
    policy = getattr(settings.CONFIG, "policy", None)
    return policy if isinstance(policy, Policy) else DEFAULT_POLICY
