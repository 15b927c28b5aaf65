"""The events supervision-svc consumes, from every producer of the mesh: catalog.events (agencies, the published
catalogue, overdue change notices), share.events (applications and overdue reviews), open.events (applications,
overdue replies, error reports, demands, quality scores) and gateway.audit (exchanges, security events, legacy
channels). Each domain registers its handlers; the indicators read what they keep."""

from __future__ import annotations

from hub.consumer import EventHandlers
from supervision_svc.audit import service as audit
from supervision_svc.catalogue import service as catalogue
from supervision_svc.channels import service as channels
from supervision_svc.opening import service as opening
from supervision_svc.sharing import service as sharing

handlers = EventHandlers()
for domain in (catalogue, sharing, opening, audit, channels):
    domain.keep_current(handlers)
