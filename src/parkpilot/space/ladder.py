"""The incubation ladder's arithmetic, without the database: the rung above, whole months in a
stage, and which graduation criteria an enterprise meets (what moves it up)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from parkpilot.space.models import LADDER, Measure


def next_stage(stage: str) -> str | None:
    """The rung above `stage`; None on the top rung (小微园)."""
    at = LADDER.index(stage)
    return LADDER[at + 1] if at + 1 < len(LADDER) else None


def whole_months(start: date, day: date) -> int:
    """Whole months from `start` to `day` (31 Jan → 28 Feb is 0, → 1 Mar is 1)."""
    months = (day.year - start.year) * 12 + day.month - start.month
    return months - 1 if day.day < start.day else months


@dataclass(frozen=True)
class Check:
    measure: str
    minimum: Decimal
    value: Decimal | None  # None: the platform holds no figure for it
    document: str

    @property
    def label(self) -> str:
        return Measure(self.measure).label

    @property
    def met(self) -> bool:
        return self.value is not None and self.value >= self.minimum

    @property
    def short_by(self) -> Decimal | None:
        """How much is missing (None when met or unknown)."""
        return None if self.met or self.value is None else self.minimum - self.value


def checks(
    criteria: list[tuple[str, Decimal, str]], values: dict[str, Decimal | None]
) -> list[Check]:
    """Each criterion (measure, minimum, document) against the enterprise's value of it."""
    return [Check(m, minimum, values.get(m), doc) for m, minimum, doc in criteria]
