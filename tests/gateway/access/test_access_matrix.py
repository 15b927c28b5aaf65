"""Who may do what, written by hand from the README's "who may" table and the Measures, and held against the one
access-control table both ways (A12.1).

The matrix below is deliberately not derived from `gateway.access.policy`: each row was written from the README
(agency systems compile, submit and import their own catalogue and read the published one; ingest jobs push their
agency's data; bureau operators review, administer and inspect; portal users use the open portal) and from the
Measures (REQUIREMENTS.md), so a role wrongly added to, or dropped from, a rule of the table fails here. The walk
in test_policy.py sends every route with every role through the gateway and expects exactly this matrix.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.access.policy import POLICY
from hub.roles import Role

Route = tuple[str, str, str]  # (service, method, path template as the service declares it)

# One letter per role keeps the matrix readable as a table.
ANON = Role.anonymous  # anyone, unauthenticated (A24.1)
PORTAL = Role.portal_user  # a registered citizen or company of the open portal
SYSTEM = Role.agency_system  # an agency's own system (A14.1, A15.2)
JOB = Role.ingest_job  # an agency's ingest job, pushing to the big data centre (A17.1)
REVIEWER = Role.reviewer  # bureau operator reviewing catalogues (A14.1)
ADMIN = Role.administrator  # bureau operator administering its region (A4.1)
INSPECTOR = Role.inspector  # bureau operator inspecting, read-only (A34.1)
# An agency's people (README, "who may"): its officers review and answer for it (A20.2, A24.2, A26.1) and read its
# own entries and data; its administrator manages the agency's own clients (A15.2). Neither compiles nor pushes:
# the agency's systems do.
OFFICER = Role.agency_officer
AGENCY_ADMIN = Role.agency_admin


def roles(*held: Role) -> frozenset[Role]:
    """The set of roles a matrix row allows."""
    return frozenset(held)


EVERYONE = roles(ANON, PORTAL, SYSTEM, JOB, OFFICER, AGENCY_ADMIN, REVIEWER, ADMIN, INSPECTOR)
# Every party of the hub's government side, each scoped by its service: the published catalogue is theirs (A14.1).
HUB_PARTIES = roles(SYSTEM, JOB, OFFICER, AGENCY_ADMIN, REVIEWER, ADMIN, INSPECTOR)
BUREAU = roles(REVIEWER, ADMIN, INSPECTOR)  # the bureau's operators: inspectors among them only ever read (A34.1)

WHO_MAY: Mapping[Route, frozenset[Role]] = {
    # The gateway's own routes. Everybody obtains a token and the keys that verify it.
    ("gateway", "POST", "/auth/token"): EVERYONE,
    ("gateway", "GET", "/.well-known/jwks.json"): EVERYONE,
    # Clients and signing keys are administered by the bureau's administrator (README: "administer … clients");
    # an agency's administrator administers its own agency's clients and people (A15.2; the service keeps it to
    # them); an inspector reads the register of clients as inspection material (A34.1) but changes nothing.
    ("gateway", "POST", "/admin/clients"): roles(ADMIN, AGENCY_ADMIN),
    ("gateway", "GET", "/admin/clients"): roles(ADMIN, AGENCY_ADMIN, INSPECTOR),
    ("gateway", "POST", "/admin/clients/{client_id}/secret"): roles(ADMIN, AGENCY_ADMIN),
    ("gateway", "POST", "/admin/clients/{client_id}/revoke"): roles(ADMIN, AGENCY_ADMIN),
    ("gateway", "POST", "/admin/signing-keys/rotate"): roles(ADMIN),
    # The audit is inspected and exported by the inspector (A34.1, A36.1): not by the administrators whose own
    # actions it records.
    ("gateway", "GET", "/admin/audit/export"): roles(INSPECTOR),
    ("gateway", "GET", "/admin/audit/verify"): roles(INSPECTOR),
    # Security events are reported to the bureau that supervises security duties (A28.1).
    ("gateway", "GET", "/admin/security-events"): roles(ADMIN, INSPECTOR),
    # Legacy channels: the administrator keeps the register until each is integrated (A12.1); the bureau reads it.
    ("gateway", "POST", "/admin/legacy-channels"): roles(ADMIN),
    ("gateway", "GET", "/admin/legacy-channels"): BUREAU,
    ("gateway", "PATCH", "/admin/legacy-channels/{channel_id}"): roles(ADMIN),
    ("gateway", "GET", "/admin/legacy-channels/indicator"): BUREAU,
    # The open portal: anyone signs up; a signed-up citizen or company manages its API keys (A24.1).
    ("gateway", "POST", "/portal/accounts"): roles(ANON),
    ("gateway", "POST", "/portal/api-keys"): roles(PORTAL),
    ("gateway", "DELETE", "/portal/api-keys/{key_id}"): roles(PORTAL),
    # Every service's API description and its documentation page are public reading (issue 9, "Contracts").
    **{
        (service, "GET", path): EVERYONE
        for service in ("catalog", "share", "open", "aggregation", "supervision")
        for path in ("/openapi.json", "/docs")
    },
    # catalog-svc, regions: the administrator keeps the region tree and sets its compilation requirements (A4.1,
    # A13.2); the hub's systems and people read the tree; agencies compile against the requirements.
    ("catalog", "POST", "/regions"): roles(ADMIN),
    ("catalog", "GET", "/regions"): HUB_PARTIES | {PORTAL},
    ("catalog", "PUT", "/regions/{region_code}/compilation-rules"): roles(ADMIN),
    ("catalog", "GET", "/regions/{region_code}/compilation-rules"): roles(SYSTEM, REVIEWER, ADMIN, INSPECTOR),
    # catalog-svc, agencies: registered and amended by the administrator (A2.1, A31.1); read by the hub's systems
    # and operators, not by the public (portal users go through the open platform).
    ("catalog", "POST", "/agencies"): roles(ADMIN),
    ("catalog", "GET", "/agencies"): HUB_PARTIES,
    ("catalog", "GET", "/agencies/{agency_id}"): HUB_PARTIES,
    ("catalog", "PATCH", "/agencies/{agency_id}"): roles(ADMIN),
    # catalog-svc, entries: an agency compiles, drafts and submits its own (A14.1); the bureau's reviewer approves
    # or returns (A14.1); the agency or the administrator retires. Published entries are visible to the hub's
    # systems, people and operators (A14.1: "visible to others"); versions and diffs to the compilers, the agency's
    # officers (who answer for its entries, A26.1) and the bureau.
    ("catalog", "POST", "/entries"): roles(SYSTEM),
    ("catalog", "GET", "/entries/{entry_id}"): HUB_PARTIES,
    ("catalog", "PUT", "/entries/{entry_id}/draft"): roles(SYSTEM),
    ("catalog", "POST", "/entries/{entry_id}/submit"): roles(SYSTEM),
    ("catalog", "POST", "/entries/{entry_id}/approve"): roles(REVIEWER),
    ("catalog", "POST", "/entries/{entry_id}/return"): roles(REVIEWER),
    ("catalog", "POST", "/entries/{entry_id}/retire"): roles(SYSTEM, ADMIN),
    ("catalog", "GET", "/entries/{entry_id}/versions"): roles(SYSTEM, OFFICER, REVIEWER, ADMIN, INSPECTOR),
    ("catalog", "GET", "/entries/{entry_id}/versions/{a}/diff/{b}"): roles(SYSTEM, OFFICER, REVIEWER, ADMIN, INSPECTOR),
    ("catalog", "GET", "/catalogue"): HUB_PARTIES,
    # catalog-svc, one data one source (A15.3): the administrator keeps the register, compilers and bureau read it.
    ("catalog", "POST", "/sources"): roles(ADMIN),
    ("catalog", "GET", "/sources"): roles(SYSTEM, REVIEWER, ADMIN, INSPECTOR),
    # catalog-svc, change deadlines (A14.2): the bureau opens a notice and follows the deadlines.
    ("catalog", "POST", "/entries/{entry_id}/change-notices"): roles(REVIEWER, ADMIN),
    ("catalog", "GET", "/change-notices"): BUREAU,
    ("catalog", "GET", "/change-notices/per-agency"): BUREAU,
    # catalog-svc, spreadsheets: an agency imports its own catalogue (A14.1); the published one is exported.
    ("catalog", "POST", "/imports"): roles(SYSTEM),
    # An import runs as a job: the importing agency's system polls it, the bureau follows it (read-only, A34.1).
    ("catalog", "GET", "/jobs/{job_id}"): roles(SYSTEM, REVIEWER, ADMIN, INSPECTOR),
    ("catalog", "GET", "/exports/catalogue"): HUB_PARTIES,
    # share-svc: the sharing platform's view of an agency, for agencies and the bureau (A20.2).
    ("share", "GET", "/agencies/{agency_id}"): roles(SYSTEM, REVIEWER, ADMIN, INSPECTOR),
    # share-svc: applications, reviews and grants (A20.1, A20.2, A21.1)
    # An agency applies for shared data through its system or its officer, and withdraws its own application; the
    # provider agency's officer reviews for the provider and the bureau's reviewer for the bureau (A20.2: "reviewed
    # by the bureau with the agencies concerned"). The parties and the bureau (inspectors included, A34.1) read
    # applications and grants. A grant ends early by the provider's officer, the bureau's reviewer or administrator,
    # or the consumer renouncing it; never by an inspector (read-only), an agency administrator (clients only,
    # A15.2), an ingest job (it pushes, A17.1) or the public.
    ("share", "POST", "/applications"): roles(SYSTEM, OFFICER),
    ("share", "GET", "/applications"): roles(SYSTEM, OFFICER, REVIEWER, ADMIN, INSPECTOR),
    ("share", "GET", "/applications/{application_id}"): roles(SYSTEM, OFFICER, REVIEWER, ADMIN, INSPECTOR),
    ("share", "POST", "/applications/{application_id}/reviews/provider"): roles(OFFICER),
    ("share", "POST", "/applications/{application_id}/reviews/bureau"): roles(REVIEWER),
    ("share", "POST", "/applications/{application_id}/withdraw"): roles(SYSTEM, OFFICER),
    ("share", "GET", "/grants"): roles(SYSTEM, OFFICER, REVIEWER, ADMIN, INSPECTOR),
    ("share", "GET", "/grants/{grant_id}"): roles(SYSTEM, OFFICER, REVIEWER, ADMIN, INSPECTOR),
    ("share", "POST", "/grants/{grant_id}/revoke"): roles(SYSTEM, OFFICER, REVIEWER, ADMIN),
    # share-svc: disputes (A20.3) and indicators (A32.1)
    # A refused applicant disputes through its system or its officer (A20.3: "a refused applicant can raise a
    # dispute"). The parties and the bureau read disputes (inspectors too, A34.1). The bureau coordinates and
    # decides or escalates: its reviewers and administrators, never an inspector (read-only) nor an agency; what
    # the region's government decided is recorded by an administrator of the region. Indicators (A32.1) are read
    # by the bureau (its region) and by an agency's officer (its own agency); not by systems, jobs or the public.
    ("share", "POST", "/applications/{application_id}/disputes"): roles(SYSTEM, OFFICER),
    ("share", "GET", "/disputes"): roles(SYSTEM, OFFICER, REVIEWER, ADMIN, INSPECTOR),
    ("share", "GET", "/disputes/{dispute_id}"): roles(SYSTEM, OFFICER, REVIEWER, ADMIN, INSPECTOR),
    ("share", "POST", "/disputes/{dispute_id}/notes"): roles(REVIEWER, ADMIN),
    ("share", "POST", "/disputes/{dispute_id}/decision"): roles(REVIEWER, ADMIN),
    ("share", "POST", "/disputes/{dispute_id}/escalation"): roles(REVIEWER, ADMIN),
    ("share", "POST", "/disputes/{dispute_id}/government-decision"): roles(ADMIN),
    ("share", "GET", "/indicators"): roles(OFFICER, REVIEWER, ADMIN, INSPECTOR),
    # aggregation-svc, the big data centre. Only the responsible agency's systems and jobs push (A15.2, A17.1):
    # never an operator. The agency and the bureau read records (A4.1, A34.1); an ingest job pushes but does not
    # read the data back (A21.1: data leaves only for the reader's duties). Consents are recorded by the agency
    # (A16.1) and withdrawn by it or the administrator.
    ("aggregation", "GET", "/entries/{entry_id}"): roles(SYSTEM, JOB, OFFICER, REVIEWER, ADMIN, INSPECTOR),
    ("aggregation", "POST", "/entries/{entry_id}/batches/{batch_id}"): roles(SYSTEM, JOB),
    ("aggregation", "GET", "/entries/{entry_id}/batches/{batch_id}"): roles(SYSTEM, JOB, REVIEWER, ADMIN, INSPECTOR),
    ("aggregation", "GET", "/entries/{entry_id}/records"): roles(SYSTEM, OFFICER, REVIEWER, ADMIN, INSPECTOR),
    ("aggregation", "GET", "/entries/{entry_id}/history"): roles(SYSTEM, OFFICER, REVIEWER, ADMIN, INSPECTOR),
    ("aggregation", "POST", "/consents"): roles(SYSTEM),
    ("aggregation", "GET", "/consents/{consent_id}"): roles(SYSTEM, REVIEWER, ADMIN, INSPECTOR),
    ("aggregation", "POST", "/consents/{consent_id}/revoke"): roles(SYSTEM, ADMIN),
    # aggregation-svc, base databases and quality (A18.1, A25.1, A32.1): agencies see their own, the bureau its
    # region's; only the administrator takes a snapshot on demand.
    ("aggregation", "GET", "/base-databases"): roles(SYSTEM, REVIEWER, ADMIN, INSPECTOR),
    ("aggregation", "GET", "/quality/entries/{entry_id}"): roles(SYSTEM, OFFICER, REVIEWER, ADMIN, INSPECTOR),
    ("aggregation", "GET", "/quality/agencies/{agency_id}"): roles(SYSTEM, OFFICER, REVIEWER, ADMIN, INSPECTOR),
    ("aggregation", "GET", "/quality/regions/{region_code}"): BUREAU,
    ("aggregation", "POST", "/quality/snapshots"): roles(ADMIN),
    # aggregation-svc, backups (A31.1): the administrator makes them (of the whole city, which the service checks),
    # as a job the bureau follows; an agency never copies the centre.
    ("aggregation", "POST", "/backups"): roles(ADMIN),
    ("aggregation", "GET", "/jobs/{job_id}"): BUREAU,
    # open-svc: applications, agreements, data keys, feedback, demands (A24.2, A26.1, A27.1)
    # Conditional open data (A24.2): registered applicants (citizens, legal persons, organisations: portal users)
    # apply to the collecting agency, whose officers answer; the applicant, the agency and the bureau each follow the
    # applications that are theirs (the bureau reads, inspectors among them). The open-use agreement (A24.3) is the
    # bureau administrator's text, public to read; the applicant accepts it and then obtains a data key, which the
    # key's holder, the agency's officer or the bureau (reviewer, administrator: not the read-only inspector) revokes.
    # Keyed records are for the key's holder alone.
    ("open", "POST", "/applications"): roles(PORTAL),
    ("open", "GET", "/applications"): roles(PORTAL, OFFICER) | BUREAU,
    ("open", "GET", "/applications/counts"): roles(OFFICER) | BUREAU,
    ("open", "GET", "/applications/{application_id}"): roles(PORTAL, OFFICER) | BUREAU,
    ("open", "POST", "/applications/{application_id}/decision"): roles(OFFICER),
    ("open", "POST", "/applications/{application_id}/withdraw"): roles(PORTAL),
    ("open", "POST", "/agreements"): roles(ADMIN),
    ("open", "GET", "/agreements/current"): EVERYONE,
    ("open", "GET", "/agreements/{version}"): EVERYONE,
    ("open", "POST", "/applications/{application_id}/agreement"): roles(PORTAL),
    ("open", "GET", "/applications/{application_id}/agreement"): roles(PORTAL, OFFICER) | BUREAU,
    ("open", "POST", "/applications/{application_id}/keys"): roles(PORTAL),
    ("open", "GET", "/applications/{application_id}/keys"): roles(PORTAL, OFFICER) | BUREAU,
    ("open", "POST", "/keys/{key_id}/revoke"): roles(PORTAL, OFFICER, REVIEWER, ADMIN),
    ("open", "GET", "/access/{entry_id}/records"): roles(PORTAL),
    # Error reports and objections (A26.1): anyone reports on open data, an agency (its system or officer) also on
    # data shared with it; the responsible agency's officers take them up and answer; reporters, the agency and the
    # bureau follow them (an anonymous reporter by the report's id and its token); the counts feeding quality are
    # public. Ingest jobs and agency administrators have no part in it.
    ("open", "POST", "/feedback"): roles(ANON, PORTAL, SYSTEM, OFFICER),
    ("open", "GET", "/feedback"): roles(PORTAL, SYSTEM, OFFICER) | BUREAU,
    ("open", "GET", "/feedback/counts"): EVERYONE,
    ("open", "GET", "/feedback/{report_id}"): roles(ANON, PORTAL, SYSTEM, OFFICER) | BUREAU,
    ("open", "POST", "/feedback/{report_id}/take-up"): roles(OFFICER),
    ("open", "POST", "/feedback/{report_id}/answer"): roles(OFFICER),
    # Demand requests (A27.1): registered users request data and vote; anyone reads them; the bureau answers.
    ("open", "POST", "/demands"): roles(PORTAL),
    ("open", "GET", "/demands"): EVERYONE,
    ("open", "GET", "/demands/{demand_id}"): EVERYONE,
    ("open", "POST", "/demands/{demand_id}/votes"): roles(PORTAL),
    ("open", "POST", "/demands/{demand_id}/answer"): roles(REVIEWER, ADMIN),
    # open-svc: CKAN Action API and DCAT-AP feed
    # Unconditionally open data is obtained directly by anyone, without an account (A24.1): its catalogue too, through
    # the CKAN-compatible API (read by GET, or by POSTing an action's parameters as CKAN clients do) and the DCAT-AP
    # feed harvesters read.
    ("open", "GET", "/ckan/api/3/action/{name}"): EVERYONE,
    ("open", "POST", "/ckan/api/3/action/{name}"): EVERYONE,
    ("open", "GET", "/dcat/catalog.jsonld"): EVERYONE,
    ("open", "GET", "/dcat/catalog.ttl"): EVERYONE,
    # open-svc: datasets, open lists, quality (A23.1, A24.1, A25.1). Unconditionally open data is obtained directly
    # by anyone, account or not (A24.1: browse, search, view, preview, download, read API); every agency's open list
    # is published with its history (A23.1) and every quality score is shown (A25.1): all public reading.
    ("open", "GET", "/datasets"): EVERYONE,
    ("open", "GET", "/datasets/{entry_id}"): EVERYONE,
    ("open", "GET", "/datasets/{entry_id}/preview"): EVERYONE,
    ("open", "GET", "/datasets/{entry_id}/records"): EVERYONE,
    ("open", "GET", "/datasets/{entry_id}/download"): EVERYONE,
    ("open", "GET", "/datasets/{entry_id}/quality"): EVERYONE,
    ("open", "GET", "/open-lists"): EVERYONE,
    ("open", "GET", "/open-lists/{agency_id}"): EVERYONE,
    ("open", "GET", "/open-lists/{agency_id}/history"): EVERYONE,
    ("open", "GET", "/quality/agencies/{agency_id}"): EVERYONE,
    # open-svc: the public portal (A24.1). Its pages are where anyone, without an account, finds and obtains open
    # data (README: "citizens and companies … the open portal"); the hub's root address leads to it. A page shows
    # nobody's own data: what needs an account is asked of the routes above, which keep their own who-may rows.
    ("gateway", "GET", "/"): EVERYONE,
    # The bureau's console: a page and its files, holding nobody's data; what it shows comes from the routes above,
    # called with the signed-in user's token, each keeping its own who-may row.
    ("gateway", "GET", "/console/"): EVERYONE,
    ("gateway", "GET", "/console/{name}"): EVERYONE,
    ("gateway", "GET", "/console/vendor/{name}"): EVERYONE,
    **{
        ("open", "GET", path): EVERYONE
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
            "/portal/static/{name}",
        )
    },
    # supervision-svc: the indicator system (A32.1). The bureau supervises and evaluates, so its operators read the
    # indicators of their region (inspectors among them, A34.1); an agency's officers and administrators read their
    # own agency's. Agency systems and ingest jobs exchange data, they are not evaluated through an API of their own.
    **{
        ("supervision", "GET", path): roles(OFFICER, AGENCY_ADMIN) | BUREAU
        for path in ("/indicators", "/indicators/exchanges", "/indicators/export", "/indicators/periods")
    },
}

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A POST that changes no data of the hub's: obtaining a token, which every caller does.
TOKEN_ROUTE = ("gateway", "POST", "/auth/token")
# POSTs that only read: those and calling a CKAN action (CKAN clients POST its parameters; no action writes).
READING_POSTS = frozenset({TOKEN_ROUTE, ("open", "POST", "/ckan/api/3/action/{name}")})


def policy_table() -> dict[Route, frozenset[Role]]:
    """The access-control table as route → roles."""
    return {(rule.service, rule.method, rule.path): frozenset(rule.roles) for rule in POLICY}


def differences(table: Mapping[Route, frozenset[Role]], matrix: Mapping[Route, frozenset[Role]]) -> list[str]:
    """Every disagreement between the table and the matrix, one readable line each."""
    lines: list[str] = []
    for route in sorted(table.keys() | matrix.keys()):
        name = " ".join(route)
        if route not in matrix:
            lines.append(f"{name}: in the policy table, missing from the matrix (who may call it?)")
        elif route not in table:
            lines.append(f"{name}: in the matrix, missing from the policy table")
        else:
            extra, missing = table[route] - matrix[route], matrix[route] - table[route]
            if extra:
                lines.append(f"{name}: the policy table also lets {', '.join(sorted(extra))} call it")
            if missing:
                lines.append(f"{name}: the policy table refuses {', '.join(sorted(missing))}")
    return lines


def test_the_policy_table_allows_exactly_the_roles_of_the_hand_written_matrix_A12_1() -> None:
    lines = differences(policy_table(), WHO_MAY)
    assert not lines, "the policy table and the who-may matrix disagree:\n" + "\n".join(lines)


def test_the_comparison_reports_a_role_added_dropped_and_a_route_missing_either_side() -> None:
    route, other = ("catalog", "POST", "/entries"), ("catalog", "GET", "/sources")
    matrix = {route: roles(SYSTEM), other: roles(ADMIN)}
    assert differences({route: roles(SYSTEM, REVIEWER)}, matrix) == [
        "catalog GET /sources: in the matrix, missing from the policy table",
        "catalog POST /entries: the policy table also lets reviewer call it",
    ]
    assert differences({route: frozenset(), other: roles(ADMIN), ("x", "GET", "/y"): EVERYONE}, matrix) == [
        "catalog POST /entries: the policy table refuses agency_system",
        "x GET /y: in the policy table, missing from the matrix (who may call it?)",
    ]


def test_the_policy_table_lets_an_inspector_only_read_A34_1() -> None:
    writes = [" ".join(route) for route, who in policy_table().items() if INSPECTOR in who and route[1] in WRITES]
    assert [w for w in writes if w not in {" ".join(r) for r in READING_POSTS}] == []


def test_the_policy_table_lets_no_operator_push_data_to_the_big_data_centre_A15_2() -> None:
    pushers = policy_table()[("aggregation", "POST", "/entries/{entry_id}/batches/{batch_id}")]
    assert pushers.isdisjoint(BUREAU)


def test_the_policy_table_lets_an_agencys_people_neither_compile_its_catalogue_nor_push_its_data_A15_2() -> None:
    # Systems compile and push (README); people review, answer and administer.
    table = policy_table()
    compiling = [("catalog", "POST", "/entries"), ("catalog", "POST", "/imports"),
                 ("catalog", "PUT", "/entries/{entry_id}/draft"), ("catalog", "POST", "/entries/{entry_id}/submit"),
                 ("aggregation", "POST", "/entries/{entry_id}/batches/{batch_id}")]  # fmt: skip
    assert [" ".join(r) for r in compiling if table[r] & {OFFICER, AGENCY_ADMIN}] == []


def test_the_policy_table_lets_an_agencys_administrator_change_only_clients_A15_2() -> None:
    writes = {route for route, who in policy_table().items() if AGENCY_ADMIN in who and route[1] in WRITES}
    assert writes - READING_POSTS == {
        ("gateway", "POST", "/admin/clients"),
        ("gateway", "POST", "/admin/clients/{client_id}/secret"),
        ("gateway", "POST", "/admin/clients/{client_id}/revoke"),
    }
