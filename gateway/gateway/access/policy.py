"""The one access-control table of the hub: route × role, enforced at the gateway, re-checked by services.

A route absent from this table is refused (fail closed). Scope notes say what the service re-checks beyond the
role (region for operators, A4.1; the responsible agency for providers, A15.2). tests/gateway/access walks the
whole table with every role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from hub.roles import Role

ANYONE = frozenset(Role)
AUTHENTICATED = frozenset(Role) - {Role.anonymous}
OPERATORS = frozenset({Role.reviewer, Role.administrator, Role.inspector})
KiB = 1024
MiB = 1024 * KiB


@dataclass(frozen=True)
class Rule:
    """Who may call one route, and how much it may send."""

    service: str  # a mesh service name; "gateway" for the gateway's own routes
    method: str
    path: str  # the route template as the service declares it, e.g. /agencies/{agency_id}
    roles: frozenset[Role]
    scope: str = ""
    max_body_bytes: int = 1 * MiB
    audited: bool = True

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{[^/}]+\}", "[^/]+", self.path) + "$")


POLICY: tuple[Rule, ...] = (
    # The gateway's own routes.
    Rule("gateway", "POST", "/auth/token", ANYONE, audited=False, max_body_bytes=8 * KiB),
    Rule("gateway", "GET", "/.well-known/jwks.json", ANYONE, audited=False),
    Rule("gateway", "POST", "/admin/clients", frozenset({Role.administrator}), scope="region"),
    Rule("gateway", "GET", "/admin/clients", frozenset({Role.administrator, Role.inspector}), scope="region"),
    Rule("gateway", "POST", "/admin/clients/{client_id}/secret", frozenset({Role.administrator}), scope="region"),
    Rule("gateway", "POST", "/admin/clients/{client_id}/revoke", frozenset({Role.administrator}), scope="region"),
    Rule("gateway", "POST", "/admin/signing-keys/rotate", frozenset({Role.administrator}), scope="city"),
    Rule("gateway", "GET", "/admin/audit/export", frozenset({Role.inspector}), scope="region"),
    Rule("gateway", "GET", "/admin/audit/verify", frozenset({Role.inspector}), scope="city"),
    Rule("gateway", "GET", "/admin/security-events", frozenset({Role.inspector, Role.administrator})),
    Rule("gateway", "POST", "/admin/legacy-channels", frozenset({Role.administrator}), scope="region"),
    Rule("gateway", "GET", "/admin/legacy-channels", OPERATORS, scope="region"),
    Rule("gateway", "PATCH", "/admin/legacy-channels/{channel_id}", frozenset({Role.administrator}), scope="region"),
    Rule("gateway", "GET", "/admin/legacy-channels/indicator", OPERATORS, scope="region"),
    Rule("gateway", "POST", "/portal/accounts", frozenset({Role.anonymous}), max_body_bytes=8 * KiB),
    Rule("gateway", "POST", "/portal/api-keys", frozenset({Role.portal_user})),
    Rule("gateway", "DELETE", "/portal/api-keys/{key_id}", frozenset({Role.portal_user})),
    # catalog-svc
    Rule("catalog", "POST", "/agencies", frozenset({Role.administrator}), scope="region"),
    Rule("catalog", "GET", "/agencies", AUTHENTICATED - {Role.portal_user}),
    Rule("catalog", "GET", "/agencies/{agency_id}", AUTHENTICATED - {Role.portal_user}),
    # share-svc
    Rule("share", "GET", "/agencies/{agency_id}", frozenset({Role.agency_system}) | OPERATORS),
)


@dataclass(frozen=True)
class Policy:
    """The table, indexed for the per-request lookup."""

    rules: tuple[Rule, ...] = POLICY
    _by_service: dict[tuple[str, str], list[Rule]] = field(default_factory=dict, init=False, compare=False)

    def __post_init__(self) -> None:
        for rule in self.rules:
            self._by_service.setdefault((rule.service, rule.method), []).append(rule)

    def match(self, service: str, method: str, path: str) -> Rule | None:
        """The rule for a request, or None when no rule covers it (which refuses it)."""
        lookup = "GET" if method == "HEAD" else method
        for rule in self._by_service.get((service, lookup), ()):
            if rule.pattern.match(path):
                return rule
        return None


def allows(rule: Rule | None, roles: frozenset[str]) -> bool:
    """Whether a caller holding `roles` may call the route (A12.1: every exchange is authorised here)."""
    return rule is not None and bool(rule.roles & roles)
