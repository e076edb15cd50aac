"""naltrack: a clinic's naltrexone treatment program for opioid and alcohol use disorder."""

__version__ = "0.1.0"
