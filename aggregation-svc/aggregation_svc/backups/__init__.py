"""Backups of the big data centre (A31.1): a dump, and a manifest of row counts and checksums that a restore is
verified against. Made by the command-line module (`python -m aggregation_svc.backups`, which also restores and
verifies) or, for administrators of the city, as a job through the API (`POST /backups`)."""
