"""Every table of supervision-svc, imported so that Alembic sees the whole schema."""

from supervision_svc.audit.models import ExchangeVolume, SecurityEventCount
from supervision_svc.catalogue.models import KnownAgency, OverdueChangeNotice, PublishedEntry
from supervision_svc.channels.models import ChannelStatement
from supervision_svc.db import Base
from supervision_svc.indicators.models import KeepingSince, KeptAgency, KeptCell, KeptPair, KeptPeriod
from supervision_svc.opening.models import Demand, ErrorReport, OpenApplication, OverdueOpenReply, QualityScore
from supervision_svc.sharing.models import OverdueReview, ShareApplication

__all__ = [
    "Base",
    "ChannelStatement",
    "Demand",
    "ErrorReport",
    "ExchangeVolume",
    "KeepingSince",
    "KeptAgency",
    "KeptCell",
    "KeptPair",
    "KeptPeriod",
    "KnownAgency",
    "OpenApplication",
    "OverdueChangeNotice",
    "OverdueOpenReply",
    "OverdueReview",
    "PublishedEntry",
    "QualityScore",
    "SecurityEventCount",
    "ShareApplication",
]
