"""Outcomes and quality measures at program scale (issue 14): the analytic extract, the measures
written once as Ibis expressions (DuckDB embedded, Spark for a network of clinics), the Outcomes
page and the de-identified export."""
