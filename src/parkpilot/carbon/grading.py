"""碳效码 grading (DB33/T 1347-2023; rule as in 《规上工业企业碳效等级评价方法》):
  L = CO2 of all energy use in the period ÷ value added (tCO2 per 10,000 CNY), zero-carbon
      power deducted;  level: L ≤ 0.6 low, 0.6 < L ≤ 2.0 medium, L > 2.0 high;
  K = L ÷ the industry's average L for the same period;
      grade 1: K ≤ 0.6; 2: ≤ 0.8; 3: ≤ 1.2; 4: ≤ 2.0; 5: above.
The bounds are per-year configuration (YearSettings); the defaults are the published ones."""

from dataclasses import dataclass

from django.utils.translation import gettext

from parkpilot.carbon.errors import ErrorCode
from parkpilot.carbon.models import YearSettings
from parkpilot.tenancy.errors import Code, ValidationFailed

DEFAULT_GRADE_BOUNDS = [0.6, 0.8, 1.2, 2.0]
DEFAULT_LEVEL_BOUNDS = [0.6, 2.0]
LEVELS = ("low", "medium", "high")
LEVEL_LABELS = {"low": "低碳", "medium": "中碳", "high": "高碳"}


def grade_of(k: float, bounds: list[float]) -> int:
    for i, upper in enumerate(bounds, start=1):
        if k <= upper:
            return i
    return len(bounds) + 1


def level_of(intensity: float, bounds: list[float]) -> str:
    for name, upper in zip(LEVELS, bounds, strict=False):
        if intensity <= upper:
            return name
    return LEVELS[len(bounds)]


def validate_bounds(field: str, bounds, count: int) -> list[float]:
    try:
        values = [float(b) for b in bounds]
    except (TypeError, ValueError):
        values = []
    if len(values) != count or any(b <= 0 for b in values) or values != sorted(set(values)):
        raise ValidationFailed.single(
            field,
            gettext("Must be %(n)d increasing positive numbers.") % {"n": count},
            Code.OUT_OF_RANGE,
        )
    return values


@dataclass(frozen=True)
class Grading:
    year: int
    grade_bounds: list[float]
    level_bounds: list[float]
    tou_hours: dict
    is_demo: bool


def settings_for(park, year: int) -> Grading:
    row = YearSettings.objects.filter(park=park, year=year).first()
    if row is None:
        raise ValidationFailed.single(
            "year",
            gettext("The %(year)s grading thresholds are not configured.") % {"year": year},
            ErrorCode.SETTINGS_MISSING,
        )
    return Grading(year, row.grade_bounds, row.level_bounds, row.tou_hours, row.is_demo)


def assess(intensity: float | None, industry_avg: float | None, g: Grading) -> dict:
    """Grade and level of one intensity L (None where it cannot be computed, with why)."""
    if intensity is None:
        return {"grade": None, "level": None, "k": None, "why": "no_value_added"}
    level = level_of(intensity, g.level_bounds)
    if not industry_avg:
        return {"grade": None, "level": level, "k": None, "why": "no_industry_average"}
    k = intensity / industry_avg
    return {"grade": grade_of(k, g.grade_bounds), "level": level, "k": k, "why": ""}
