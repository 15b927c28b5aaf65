"""Backups of the big data centre (A31.1): a dump, and a manifest of row counts and checksums that a restore is
verified against. A command-line module (`python -m aggregation_svc.backups`), no HTTP routes."""
