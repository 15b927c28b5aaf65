"""Change notices: an agency must update its catalogue within 15 working days of a change (A14.2).

The deadline's columns (opened_on, working_days, due_on, due_provisional, closed_on and the notification marks)
come from hub.deadlines.WorkingDayDeadline; a notice is closed when the agency submits the updated entry.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ColumnElement, DateTime, ForeignKey, String, case, func, literal_column
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from catalog_svc.db import Base
from catalog_svc.deadlines.rules import NoticeState, notice_state
from hub.deadlines import WorkingDayDeadline


class ChangeNotice(WorkingDayDeadline, Base):
    __tablename__ = "change_notices"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entries.id"))
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    region_code: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(500))
    met_late: Mapped[bool] = mapped_column(default=False)
    opened_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @hybrid_property
    def state(self) -> NoticeState:
        """open, met, or overdue (announced overdue and not met yet), as rules.notice_state."""
        return notice_state(self.closed_on, self.overdue_notified_at)

    @state.inplace.expression
    @classmethod
    def _state_expression(cls) -> ColumnElement[str]:
        # The same rule in SQL, for filtering and counting by state. Literal columns, not bound parameters: the
        # expression must read the same in SELECT and GROUP BY for PostgreSQL to group by it.
        return case(
            (cls.closed_on.is_not(None), literal_column("'met'", String)),
            (cls.overdue_notified_at.is_not(None), literal_column("'overdue'", String)),
            else_=literal_column("'open'", String),
        )

    @property
    def met_on(self) -> date | None:
        """The day the agency submitted the updated entry."""
        return self.closed_on
