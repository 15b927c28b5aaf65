"""The one access-control table of the hub: route × role, enforced at the gateway, re-checked by services.

A route absent from this table is refused (fail closed). Scope notes say what the service re-checks beyond the
role (region for operators, A4.1; the responsible agency for providers, A15.2). tests/gateway/access walks the
whole table with every role.

An agency's people: its officers (who review and answer for it, A20.2, A24.2, A26.1) read what every hub party
reads and, of their own agency, its entries in every state with their versions, and its data and quality in the
big data centre; its administrator manages its clients (/admin/clients, scoped to the agency by the service) and
reads what every hub party reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from hub.roles import Role

ANYONE = frozenset(Role)
AUTHENTICATED = frozenset(Role) - {Role.anonymous}
OPERATORS = frozenset({Role.reviewer, Role.administrator, Role.inspector})
ADMINISTRATOR = frozenset({Role.administrator})
REVIEWER = frozenset({Role.reviewer})
AGENCY = frozenset({Role.agency_system})
AGENCIES_AND_OPERATORS = AGENCY | OPERATORS
OFFICER = frozenset({Role.agency_officer})
CLIENT_ADMINISTRATORS = frozenset({Role.administrator, Role.agency_admin})  # region (A4.1) or agency (A15.2)
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
    Rule("gateway", "POST", "/admin/clients", CLIENT_ADMINISTRATORS, scope="region or agency"),
    Rule("gateway", "GET", "/admin/clients", CLIENT_ADMINISTRATORS | {Role.inspector}, scope="region or agency"),
    Rule("gateway", "POST", "/admin/clients/{client_id}/secret", CLIENT_ADMINISTRATORS, scope="region or agency"),
    Rule("gateway", "POST", "/admin/clients/{client_id}/revoke", CLIENT_ADMINISTRATORS, scope="region or agency"),
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
    # The bureau's console (gateway.console): its page and files, for anyone, like the portal's. They hold no one's
    # data and decide nothing: the page's scripts call the routes of this table with the signed-in user's token.
    *(
        Rule("gateway", "GET", path, ANYONE, audited=False)
        for path in ("/console/", "/console/{name}", "/console/vendor/{name}")
    ),
    # Every service's API description and its Swagger UI page, through the gateway, for anyone (read-only).
    *(
        Rule(service, "GET", path, ANYONE, audited=False)
        for service in ("catalog", "share", "open", "aggregation", "supervision")
        for path in ("/openapi.json", "/docs")
    ),
    # catalog-svc: regions and compilation rules (A4.1, A13.2)
    Rule("catalog", "POST", "/regions", ADMINISTRATOR, scope="region"),
    Rule("catalog", "GET", "/regions", AUTHENTICATED),
    Rule("catalog", "PUT", "/regions/{region_code}/compilation-rules", ADMINISTRATOR, scope="region"),
    Rule("catalog", "GET", "/regions/{region_code}/compilation-rules", AGENCIES_AND_OPERATORS),
    # catalog-svc: agencies (A2.1, A31.1)
    Rule("catalog", "POST", "/agencies", ADMINISTRATOR, scope="region"),
    Rule("catalog", "GET", "/agencies", AUTHENTICATED - {Role.portal_user}),
    Rule("catalog", "GET", "/agencies/{agency_id}", AUTHENTICATED - {Role.portal_user}),
    Rule("catalog", "PATCH", "/agencies/{agency_id}", ADMINISTRATOR, scope="region"),
    # catalog-svc: entries and their review (A13.1, A14.1, A15.2): an agency compiles its own, the bureau reviews
    Rule("catalog", "POST", "/entries", AGENCY, scope="agency", max_body_bytes=4 * MiB),
    Rule("catalog", "GET", "/entries/{entry_id}", AUTHENTICATED - {Role.portal_user}, scope="visibility"),
    Rule("catalog", "PUT", "/entries/{entry_id}/draft", AGENCY, scope="agency", max_body_bytes=4 * MiB),
    Rule("catalog", "POST", "/entries/{entry_id}/submit", AGENCY, scope="agency"),
    Rule("catalog", "POST", "/entries/{entry_id}/approve", REVIEWER, scope="region"),
    Rule("catalog", "POST", "/entries/{entry_id}/return", REVIEWER, scope="region"),
    Rule("catalog", "POST", "/entries/{entry_id}/retire", AGENCY | ADMINISTRATOR, scope="agency or region"),
    Rule("catalog", "GET", "/entries/{entry_id}/versions", AGENCIES_AND_OPERATORS | OFFICER, scope="visibility"),
    Rule(
        "catalog",
        "GET",
        "/entries/{entry_id}/versions/{a}/diff/{b}",
        AGENCIES_AND_OPERATORS | OFFICER,
        scope="visibility",
    ),
    Rule("catalog", "GET", "/catalogue", AUTHENTICATED - {Role.portal_user}, scope="visibility"),
    # catalog-svc: one data, one source (A15.3) and change deadlines (A14.2)
    Rule("catalog", "POST", "/sources", ADMINISTRATOR),
    Rule("catalog", "GET", "/sources", AGENCIES_AND_OPERATORS),
    Rule("catalog", "POST", "/entries/{entry_id}/change-notices", REVIEWER | ADMINISTRATOR, scope="region"),
    Rule("catalog", "GET", "/change-notices", OPERATORS, scope="region"),
    Rule("catalog", "GET", "/change-notices/per-agency", OPERATORS, scope="region"),
    # catalog-svc: an agency imports its own catalogue from a spreadsheet (A14.1); the catalogue is exported whole
    Rule("catalog", "POST", "/imports", AGENCY, scope="agency", max_body_bytes=20 * MiB),
    # An import runs as a job (hub.jobs): its submitter's agency polls it, and the bureau of its region reads it.
    Rule("catalog", "GET", "/jobs/{job_id}", AGENCIES_AND_OPERATORS, scope="agency or region"),
    Rule("catalog", "GET", "/exports/catalogue", AUTHENTICATED - {Role.portal_user}, scope="visibility"),
    # share-svc
    Rule("share", "GET", "/agencies/{agency_id}", frozenset({Role.agency_system}) | OPERATORS),
    # share-svc: applications, reviews and grants (A20.1, A20.2, A21.1)
    # An agency applies as itself (its system or officer); the provider agency's officer and the bureau's reviewer
    # of the entry's region review (A4.1, A20.2); the applicant withdraws. Each party reads its own applications
    # and grants, operators those of their region. A grant is revoked by the provider's officer, the bureau, or
    # renounced by the consumer agency (the service checks which agency and region).
    Rule("share", "POST", "/applications", AGENCY | OFFICER, scope="agency"),
    Rule("share", "GET", "/applications", AGENCY | OFFICER | OPERATORS, scope="agency or region"),
    Rule("share", "GET", "/applications/{application_id}", AGENCY | OFFICER | OPERATORS, scope="agency or region"),
    Rule("share", "POST", "/applications/{application_id}/reviews/provider", OFFICER, scope="provider agency"),
    Rule("share", "POST", "/applications/{application_id}/reviews/bureau", REVIEWER, scope="region"),
    Rule("share", "POST", "/applications/{application_id}/withdraw", AGENCY | OFFICER, scope="consumer agency"),
    Rule("share", "GET", "/grants", AGENCY | OFFICER | OPERATORS, scope="agency or region"),
    Rule("share", "GET", "/grants/{grant_id}", AGENCY | OFFICER | OPERATORS, scope="agency or region"),
    Rule(
        "share",
        "POST",
        "/grants/{grant_id}/revoke",
        AGENCY | OFFICER | REVIEWER | ADMINISTRATOR,
        scope="consumer or provider agency, or region",
    ),
    # share-svc: disputes (A20.3) and indicators (A32.1)
    Rule("share", "POST", "/applications/{application_id}/disputes", AGENCY | OFFICER, scope="consumer agency"),
    Rule("share", "GET", "/disputes", AGENCIES_AND_OPERATORS | OFFICER, scope="agency or region"),
    Rule("share", "GET", "/disputes/{dispute_id}", AGENCIES_AND_OPERATORS | OFFICER, scope="agency or region"),
    Rule("share", "POST", "/disputes/{dispute_id}/notes", REVIEWER | ADMINISTRATOR, scope="region"),
    Rule("share", "POST", "/disputes/{dispute_id}/decision", REVIEWER | ADMINISTRATOR, scope="region"),
    Rule("share", "POST", "/disputes/{dispute_id}/escalation", REVIEWER | ADMINISTRATOR, scope="region"),
    Rule("share", "POST", "/disputes/{dispute_id}/government-decision", ADMINISTRATOR, scope="region"),
    Rule("share", "GET", "/indicators", OFFICER | OPERATORS, scope="agency or region"),
    # aggregation-svc: the big data centre. Agencies' systems and ingest jobs push batches of their own published
    # entries (A15.1, A15.2, A17.1), streamed, so the body may be large; the responsible agency and the bureau of
    # the region read records (A4.1); other agencies get them through grants (A21.1). Consent records (A16.1).
    Rule(
        "aggregation",
        "GET",
        "/entries/{entry_id}",
        AGENCY | {Role.ingest_job} | OFFICER | OPERATORS,
        scope="agency or region",
    ),
    Rule(
        "aggregation",
        "POST",
        "/entries/{entry_id}/batches/{batch_id}",
        AGENCY | {Role.ingest_job},
        scope="agency",
        max_body_bytes=1024 * MiB,
    ),
    Rule(
        "aggregation",
        "GET",
        "/entries/{entry_id}/batches/{batch_id}",
        AGENCY | {Role.ingest_job} | OPERATORS,
        scope="agency or region",
    ),
    Rule(
        "aggregation", "GET", "/entries/{entry_id}/records", AGENCIES_AND_OPERATORS | OFFICER, scope="agency or region"
    ),
    Rule(
        "aggregation", "GET", "/entries/{entry_id}/history", AGENCIES_AND_OPERATORS | OFFICER, scope="agency or region"
    ),
    Rule("aggregation", "POST", "/consents", AGENCY, scope="agency"),
    Rule("aggregation", "GET", "/consents/{consent_id}", AGENCIES_AND_OPERATORS, scope="agency or region"),
    Rule("aggregation", "POST", "/consents/{consent_id}/revoke", AGENCY | ADMINISTRATOR, scope="agency or region"),
    # Base databases (A18.1) and data quality (A25.1, A32.1): an agency sees its own entries' and its own rollup,
    # operators those of their region; an administrator takes a snapshot of the region's entries on demand.
    Rule("aggregation", "GET", "/base-databases", AGENCIES_AND_OPERATORS, scope="agency or region"),
    Rule(
        "aggregation",
        "GET",
        "/quality/entries/{entry_id}",
        AGENCIES_AND_OPERATORS | OFFICER,
        scope="agency or region",
    ),
    Rule(
        "aggregation",
        "GET",
        "/quality/agencies/{agency_id}",
        AGENCIES_AND_OPERATORS | OFFICER,
        scope="agency or region",
    ),
    Rule("aggregation", "GET", "/quality/regions/{region_code}", OPERATORS, scope="region"),
    Rule("aggregation", "POST", "/quality/snapshots", ADMINISTRATOR, scope="region"),
    # Backups of the whole centre (A31.1) run as jobs (hub.jobs), started by an administrator of the city; the bureau
    # of the submitter's region polls them.
    Rule("aggregation", "POST", "/backups", ADMINISTRATOR, scope="city"),
    Rule("aggregation", "GET", "/jobs/{job_id}", OPERATORS, scope="region"),
    # open-svc: applications, agreements, data keys, feedback, demands (A24.2, A26.1, A27.1)
    # A registered portal user applies for a conditional open dataset; the collecting agency's officer answers
    # (A24.2); each party reads its own (the applicant, the agency, the bureau of the region). The bureau's
    # administrator publishes the open-use agreement, which anyone reads; the approved applicant accepts it, and only
    # then obtains a data key (A24.3), which its holder, the agency's officer or the bureau revokes. Keyed records
    # need the holder's account and its key (checked by open-svc on every call).
    Rule("open", "POST", "/applications", frozenset({Role.portal_user}), max_body_bytes=64 * KiB),
    Rule(
        "open",
        "GET",
        "/applications",
        frozenset({Role.portal_user}) | OFFICER | OPERATORS,
        scope="own, agency or region",
    ),
    Rule("open", "GET", "/applications/counts", OFFICER | OPERATORS, scope="agency or region"),
    Rule(
        "open",
        "GET",
        "/applications/{application_id}",
        frozenset({Role.portal_user}) | OFFICER | OPERATORS,
        scope="own, agency or region",
    ),
    Rule("open", "POST", "/applications/{application_id}/decision", OFFICER, scope="collecting agency"),
    Rule("open", "POST", "/applications/{application_id}/withdraw", frozenset({Role.portal_user}), scope="own"),
    Rule("open", "POST", "/agreements", ADMINISTRATOR, scope="city"),
    Rule("open", "GET", "/agreements/current", ANYONE),
    Rule("open", "GET", "/agreements/{version}", ANYONE),
    Rule("open", "POST", "/applications/{application_id}/agreement", frozenset({Role.portal_user}), scope="own"),
    Rule(
        "open",
        "GET",
        "/applications/{application_id}/agreement",
        frozenset({Role.portal_user}) | OFFICER | OPERATORS,
        scope="own, agency or region",
    ),
    Rule("open", "POST", "/applications/{application_id}/keys", frozenset({Role.portal_user}), scope="own"),
    Rule(
        "open",
        "GET",
        "/applications/{application_id}/keys",
        frozenset({Role.portal_user}) | OFFICER | OPERATORS,
        scope="own, agency or region",
    ),
    Rule(
        "open",
        "POST",
        "/keys/{key_id}/revoke",
        frozenset({Role.portal_user}) | OFFICER | REVIEWER | ADMINISTRATOR,
        scope="holder, collecting agency or region",
    ),
    Rule("open", "GET", "/access/{entry_id}/records", frozenset({Role.portal_user}), scope="holder of the data key"),
    # Error reports and objections (A26.1): anyone on an open dataset, an agency (its system or officer) also on data
    # shared with it; the responsible agency's officers take them up and answer; reporters follow theirs (anonymous
    # ones by the report's id and token); the bureau oversees its region's; the counts are public.
    Rule(
        "open",
        "POST",
        "/feedback",
        frozenset({Role.anonymous, Role.portal_user}) | AGENCY | OFFICER,
        max_body_bytes=64 * KiB,
    ),
    Rule(
        "open",
        "GET",
        "/feedback",
        frozenset({Role.portal_user}) | AGENCY | OFFICER | OPERATORS,
        scope="own, agency or region",
    ),
    Rule("open", "GET", "/feedback/counts", ANYONE),
    Rule(
        "open",
        "GET",
        "/feedback/{report_id}",
        frozenset({Role.anonymous, Role.portal_user}) | AGENCY | OFFICER | OPERATORS,
        scope="reporter, responsible agency or region",
    ),
    Rule("open", "POST", "/feedback/{report_id}/take-up", OFFICER, scope="responsible agency"),
    Rule("open", "POST", "/feedback/{report_id}/answer", OFFICER, scope="responsible agency"),
    # Demand requests (A27.1): registered users request and vote (once per account), anyone reads them, the bureau
    # answers.
    Rule("open", "POST", "/demands", frozenset({Role.portal_user}), max_body_bytes=64 * KiB),
    Rule("open", "GET", "/demands", ANYONE),
    Rule("open", "GET", "/demands/{demand_id}", ANYONE),
    Rule("open", "POST", "/demands/{demand_id}/votes", frozenset({Role.portal_user})),
    Rule("open", "POST", "/demands/{demand_id}/answer", REVIEWER | ADMINISTRATOR, scope="region"),
    # open-svc: CKAN Action API and DCAT-AP feed
    # The open catalogue for anyone (A24.1): CKAN clients call an action by GET, or POST its parameters as JSON (a
    # read either way: the API has no action that writes), also as /api/3/action/<name> and /api/action/<name>
    # (gateway.routing.upstreams.ALIASES); harvesters read the DCAT-AP feed.
    Rule("open", "GET", "/ckan/api/3/action/{name}", ANYONE),
    Rule("open", "POST", "/ckan/api/3/action/{name}", ANYONE, max_body_bytes=8 * KiB),
    Rule("open", "GET", "/dcat/catalog.jsonld", ANYONE),
    Rule("open", "GET", "/dcat/catalog.ttl", ANYONE),
    # open-svc: datasets, open lists, quality (A23.1, A24.1, A25.1)
    # Anyone, without an account, browses, searches, views, previews, downloads and reads open datasets (A24.1;
    # open-svc serves unconditionally open data only, the rest through data keys), reads every agency's open list
    # and its dated history (A23.1) and every quality score (A25.1). The gateway rate-limits anonymous callers.
    *(
        Rule("open", "GET", path, ANYONE)
        for path in (
            "/datasets",
            "/datasets/{entry_id}",
            "/datasets/{entry_id}/preview",
            "/datasets/{entry_id}/records",
            "/datasets/{entry_id}/download",
            "/datasets/{entry_id}/quality",
            "/open-lists",
            "/open-lists/{agency_id}",
            "/open-lists/{agency_id}/history",
            "/quality/agencies/{agency_id}",
        )
    ),
    # open-svc: the public portal (A24.1)
    # Its pages, for anyone, at the gateway's /open/… (gateway.routing.upstreams.MOUNTS); the hub's root leads there.
    # A page holds no one's own data: what needs an account (applying, agreements, keys, votes) the page's script
    # asks of the routes above with the user's token. Its stylesheet and script neither decide nor deliver data.
    Rule("gateway", "GET", "/", ANYONE, audited=False),
    *(
        Rule("open", "GET", path, ANYONE)
        for path in (
            "/portal/",
            "/portal/datasets",
            "/portal/datasets/{entry_id}",
            "/portal/datasets/{entry_id}/apply",
            "/portal/datasets/{entry_id}/report",
            "/portal/feedback",
            "/portal/demands",
            "/portal/account",
            "/portal/signin",
        )
    ),
    Rule("open", "GET", "/portal/static/{name}", ANYONE, audited=False),
    # supervision-svc: the indicator system (A32.1), its exchanges by agency pair, its export and its periods. The
    # bureau's operators read their region and every region within it (A4.1); an agency's officers and administrators
    # read their own agency's figures only (A15.2): the service scopes both.
    *(
        Rule("supervision", "GET", path, OFFICER | {Role.agency_admin} | OPERATORS, scope="agency or region")
        for path in ("/indicators", "/indicators/exchanges", "/indicators/export", "/indicators/periods")
    ),
)


@dataclass(frozen=True)
class Policy:
    """The table, indexed for the per-request lookup: per service and method, one regular expression whose n-th
    alternative is the n-th rule's pattern, so a request is matched in one pass rather than rule by rule."""

    rules: tuple[Rule, ...] = POLICY
    _by_service: dict[tuple[str, str], tuple[re.Pattern[str], list[Rule]]] = field(
        default_factory=dict, init=False, compare=False
    )

    def __post_init__(self) -> None:
        grouped: dict[tuple[str, str], list[Rule]] = {}
        for rule in self.rules:
            grouped.setdefault((rule.service, rule.method), []).append(rule)
        for key, rules in grouped.items():
            # The rule patterns hold no groups of their own, so the group that matched numbers the rule.
            either = re.compile("|".join(f"({rule.pattern.pattern})" for rule in rules))
            self._by_service[key] = (either, rules)

    def match(self, service: str, method: str, path: str) -> Rule | None:
        """The rule for a request (the first in the table that covers it), or None when no rule covers it (which
        refuses it)."""
        indexed = self._by_service.get((service, "GET" if method == "HEAD" else method))
        if indexed is None:
            return None
        matched = indexed[0].match(path)
        return indexed[1][matched.lastindex - 1] if matched and matched.lastindex else None

    def methods_for(self, service: str, path: str) -> frozenset[str]:
        """Every method some rule allows on the path (HEAD wherever GET is, as `match` reads it); empty when the
        path is no route at all. What a 405's Allow header lists (RFC 9110 §10.2.1)."""
        methods = {rule.method for rule in self.rules if rule.service == service and rule.pattern.match(path)}
        return frozenset(methods | {"HEAD"} if "GET" in methods else methods)


def allows(rule: Rule | None, roles: frozenset[str]) -> bool:
    """Whether a caller holding `roles` may call the route (A12.1: every exchange is authorised here)."""
    return rule is not None and bool(rule.roles & roles)
