"""Catalogue transfer: an agency imports its catalogue from a spreadsheet; anyone who may read the unified
catalogue exports it as a spreadsheet or as DCAT-AP JSON-LD (A13.1, A14.1, A23.1)."""
