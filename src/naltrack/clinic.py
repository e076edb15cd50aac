"""The clinic's running policy: the one object every service, page, API call, command and the
nightly refresh passes to the clinical core.

The application never names `DEFAULT_POLICY` itself: it asks `active_policy()`, which returns the
policy loaded (and validated) at start from NALTRACK_POLICY_FILE, or the naltrack default policy
when no file is set (README, Configuration).
"""

from __future__ import annotations

from django.conf import settings

from naltrack.clinical.policy import Policy
from naltrack.config import ClinicInfo, MrnScheme


def active_policy() -> Policy:
    """The clinic's policy, as loaded and validated at start (settings.CONFIG.policy): a change to
    the file takes effect when the application restarts, never half-way through a request."""
    policy: Policy = settings.CONFIG.policy
    return policy


def care_team_required() -> bool:
    """Whether charts open only to the patient's care team (NALTRACK_CARE_TEAM_REQUIRED)."""
    required: bool = settings.CONFIG.care_team_required
    return required


def break_glass_hours() -> int:
    """How long a break-the-glass access lasts (NALTRACK_BREAK_GLASS_HOURS)."""
    hours: int = settings.CONFIG.break_glass_hours
    return hours


def clinic_info() -> ClinicInfo:
    """The clinic's name, phone, naloxone location and crisis line as the patient sees them
    (NALTRACK_CLINIC_*; config.read_clinic_info)."""
    info: ClinicInfo = settings.CLINIC_INFO
    return info


def mrn_scheme() -> MrnScheme:
    """The prefix and check digit of the MRNs naltrack assigns (NALTRACK_MRN_PREFIX,
    NALTRACK_MRN_CHECK; config.read_mrn_scheme)."""
    scheme: MrnScheme = settings.MRN_SCHEME
    return scheme
