"""Encrypted backups of the clinic's database and their restore (`naltrack backup` / `restore`)."""
