"""`naltrack check`: the database's integrity across the areas (no half-written record)."""
