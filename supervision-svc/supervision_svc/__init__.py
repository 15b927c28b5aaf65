"""supervision-svc: the indicator system (A32.1), assembled in one place from every service's events."""
