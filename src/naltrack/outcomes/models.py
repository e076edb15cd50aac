"""What the outcomes area keeps in the operational database: where each extract stopped (its
high-water marks) and the last computed measures, which the Outcomes page serves."""

from __future__ import annotations

from django.db import models


class ExtractRun(models.Model):
    """One run of the extract. `marks` holds, per source table, the highest row id written, so
    the next run reads only newer rows; a run that found nothing new is still recorded."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    marks = models.JSONField(default=dict)
    rows = models.JSONField(default=dict, help_text="rows written per table by this run")
    directory = models.CharField(max_length=500)
    run_by = models.CharField(max_length=150)

    class Meta:
        ordering = ("-started_at", "-id")


class MeasureRun(models.Model):
    """The measures computed over the facts, for a period, as of a day: the page shows the last
    one with its as-of time and never computes in the request."""

    computed_at = models.DateTimeField()
    as_of = models.DateField()
    period_start = models.DateField()
    period_end = models.DateField()
    engine = models.CharField(max_length=20, default="duckdb")
    policy_version = models.CharField(max_length=60)
    results = models.JSONField(default=dict)
    seconds = models.FloatField(default=0)
    run_by = models.CharField(max_length=150)

    class Meta:
        ordering = ("-computed_at", "-id")
