"""The chart: pages and API that compose several record areas (patients, screening, treatment,
monitoring, counselling, alerts) for one patient. It sits above them and stores nothing."""
