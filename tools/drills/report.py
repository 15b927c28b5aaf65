"""One drill's outcome, and the table `make drill` prints."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Outcome:
    """What a drill killed and what it found. `lost` and `duplicated` are counted in the databases; `recovery` is
    the seconds from the kill until the hub did its work again (writes answered, events applied)."""

    drill: str
    killed: str
    at: str  # when, within the run: "after 4,980 of 10,000 events"
    in_flight: int
    sent: int
    lost: int
    duplicated: int
    recovery: float
    errors_during: int
    errors_after: int
    notes: list[str] = field(default_factory=list)
    # A drill's own expectations that failed (e.g. "the audit chain does not verify").
    failed: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """A29.1's expectation: nothing lost, nothing done twice, no gateway error once recovered."""
        return self.lost == 0 and self.duplicated == 0 and self.errors_after == 0 and not self.failed


HEADERS = ("drill", "killed", "when", "in flight", "sent", "lost", "dup", "recover s", "gw err during", "after", "ok")


def table(outcomes: list[Outcome]) -> str:
    """A plain-text table, one drill a row, then each drill's notes."""
    rows = [
        (o.drill, o.killed, o.at, f"{o.in_flight:,}", f"{o.sent:,}", str(o.lost), str(o.duplicated),
         f"{o.recovery:.1f}", str(o.errors_during), str(o.errors_after), "yes" if o.passed else "NO")
        for o in outcomes
    ]  # fmt: skip
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADERS)]
    lines = [" | ".join(h.ljust(w) for h, w in zip(HEADERS, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    for o in outcomes:
        lines += [f"  {o.drill}: {note}" for note in o.notes]
        lines += [f"  {o.drill}: FAILED: {failure}" for failure in o.failed]
    return "\n".join(lines)
