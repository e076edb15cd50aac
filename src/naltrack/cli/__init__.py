"""The `naltrack` command: one module per command group."""
