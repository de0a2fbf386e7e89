"""The demo park's carbon data: the factor catalogue (published values; later years carried
forward and marked demo), 碳效码 settings per year, industry averages and budgets (demo)."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from parkpilot.carbon.models import Budget, EmissionFactor, IndustryAverage, YearSettings
from parkpilot.demo.services import LoadReport, upsert
from parkpilot.tenancy.errors import ValidationFailed
from parkpilot.tenancy.models import Enterprise, Park


def through_this_year(years: list[int], this_year: int | None = None) -> list[int]:
    """The listed demo years and every later one up to this year, so the demo park still has
    factors, settings and budgets after New Year (a real park's staff enter the new notice)."""
    if not years:
        return []
    this_year = this_year or timezone.localdate().year
    return sorted(set(years) | set(range(max(years) + 1, this_year + 1)))


def load(*, park: Park, data: dict, report: LoadReport) -> None:
    carbon = data.get("carbon")
    if not carbon:
        return
    demo = carbon.get("demo", {})
    factors = list(carbon["factors"])
    carry = demo.get("carry_forward")
    if carry:
        base = [
            f
            for f in factors
            if f["year"] == carry["from_year"] and f.get("purpose", "default") == "default"
        ]
        for year in through_this_year(carry["years"]):
            for f in base:
                factors.append(
                    {**f, "year": year, "is_demo": True,
                     "note": f"沿用{carry['from_year']}年公布值（演示） / {carry['from_year']} value carried forward (demo)"}  # noqa: E501
                )  # fmt: skip
    for f in factors:
        upsert(
            report, "emission_factor", EmissionFactor,
            {"park": park, "carrier": f["carrier"], "quantity": f["quantity"],
             "purpose": f.get("purpose", "default"), "region": f["region"], "year": f["year"],
             "version": 1},
            {"value": Decimal(f["value"]), "unit": f["unit"], "document": f["document"],
             "effective_from": date.fromisoformat(f["effective_from"]),
             "note": f.get("note", ""), "is_demo": bool(f.get("is_demo"))},
        )  # fmt: skip
    grading = carbon["grading"]
    years = through_this_year(demo.get("grading_years", []))
    for year in years:
        upsert(
            report, "carbon_year_settings", YearSettings, {"park": park, "year": year},
            {"grade_bounds": grading["grade_bounds"], "level_bounds": grading["level_bounds"],
             "tou_hours": demo.get("tou_hours", {}), "document": grading["document"],
             "is_demo": True},
        )  # fmt: skip
        for code, value in demo.get("industry_average_intensity", {}).items():
            upsert(
                report, "industry_average", IndustryAverage,
                {"park": park, "industry_code": code, "year": year},
                {"intensity": Decimal(str(value)), "document": "演示数据 / demo",
                 "is_demo": True},
            )  # fmt: skip
    if years:
        _budgets(park, demo, max(years), report)
    issue_last_month(park)


def issue_last_month(park: Park) -> None:
    """Issue last month's reports for every enterprise, so a new user sees one at once (the
    monthly task does it on the 1st). Only once per month, and only when the month has
    metered energy and no history back-fill is running: reports of a park whose readings
    are still arriving would say too little. A fresh demo has no readings at load; the task
    `demo_reports` calls this again every ten minutes until the back-fill is done."""
    from parkpilot.carbon import selectors, services
    from parkpilot.carbon.models import Report
    from parkpilot.energy.models_ops import IntakeJob

    last = timezone.localdate().replace(day=1) - timedelta(days=1)
    if Report.objects.filter(park=park, year=last.year, month=last.month).exists():
        return
    backfilling = IntakeJob.objects.filter(
        park=park, kind=IntakeJob.Kind.BACKFILL,
        status__in=[IntakeJob.Status.QUEUED, IntakeJob.Status.RUNNING],
    )  # fmt: skip
    if backfilling.exists():  # the simulator is still writing the month: issue when it is done
        return
    per = selectors.month_period(park, last.year, last.month)
    try:
        metered = selectors.live_accounts(
            user=selectors.system_reader(park), park=park, per=per
        ).park()
    except ValidationFailed:  # e.g. no factor for the year: nothing to issue from
        return
    if not metered.tce:
        return
    batch = services.batch_create(
        actor=None, via="system", park=park, year=last.year, month=last.month, start=False
    )
    services.batch_run(batch_id=batch.pk)


def _budgets(park: Park, demo: dict, year: int, report: LoadReport) -> None:
    pb = demo["park_budget"]
    upsert(
        report, "carbon_budget", Budget, {"park": park, "enterprise": None, "year": year},
        {"energy_tce": Decimal(str(pb["energy_tce"])), "co2_t": Decimal(str(pb["co2_t"])),
         "is_demo": True},
    )  # fmt: skip
    per = demo["enterprise_budget_per_employee"]
    for ent in Enterprise.objects.filter(park=park).exclude(employees=None):
        upsert(
            report, "carbon_budget", Budget, {"park": park, "enterprise": ent, "year": year},
            {"energy_tce": Decimal(str(per["energy_tce"] * ent.employees)),
             "co2_t": Decimal(str(per["co2_t"] * ent.employees)), "is_demo": True},
        )  # fmt: skip
