"""The values of other services' events the indicators count by, in one place.

The contracts carry these as plain strings (an action, a state, a record's kind), each the producer's own
lifecycle value: share-svc's `ApplicationAction`, open-svc's `ApplicationAction` and `ReportState`, the gateway's
audit record kinds and legacy-channel statuses (their contracts' docstrings name them). None of those enums lives in
hub.contracts.vocabulary yet, so they are named here once, and tests/supervision publish the producers' values.
"""

from __future__ import annotations

# share.application.stepped: the provider agency's officer decided a conditional application (A20.2).
SHARE_PROVIDER_DECISIONS = frozenset({"provider_approve", "provider_refuse"})
# share.review.overdue: the review overdue is the provider agency's officer's (else the bureau's, A20.2).
SHARE_PROVIDER_PARTY = "provider"
# open.application.stepped: the collecting agency answered an open application (A24.2).
OPEN_ANSWERS = frozenset({"approve", "refuse"})
# open.feedback.stepped: the responsible agency answered an error report or objection (A26.1).
REPORT_ANSWERED_STATES = frozenset({"corrected", "rejected"})
# gateway.exchanges.audited: an exchange, or a security event (auth.failed, access.denied, rate.limited …, A28.1).
EXCHANGE, SECURITY = "exchange", "security"
# gateway.legacy_channel.stated: a channel still to be integrated (A12.1); integrated and retired ones are closed.
LEGACY_REMAINING = frozenset({"registered", "integrating"})
