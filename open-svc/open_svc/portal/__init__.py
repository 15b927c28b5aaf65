"""The public portal of the open data platform (A24.1): server-rendered pages in Chinese with an English switch,
reached through the gateway at /open/…; what needs an account, its script asks of open-svc's API with the user's
token."""
