"""The pure clinical core.

No Django, no database, no network and no clock: the day of a decision and the policy are always
arguments. Pages, the JSON API, the CLI and CDS Hooks call these functions, so they cannot disagree.
"""
