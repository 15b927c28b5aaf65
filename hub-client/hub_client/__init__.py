"""The public data hub's client for ingest jobs and agency systems: push a file's records to the big data centre
in batches that resume and never apply twice, and import a catalogue from a spreadsheet, through the gateway."""
