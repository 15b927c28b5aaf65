"""The per-grant fingerprint of deliveries under share grants, and the tracer that names the grant behind a leaked
file (A21.1). `marks` spells values as a grant's key chooses; `tracer` reads a file back and weighs the evidence.
The method, its capacity and its limits: docs/fingerprint.md."""
