"""The demo park's carbon data: the factor catalogue (published values only; a later year uses
the latest published one, marked carried forward), 碳效码 settings per year, industry averages
and budgets (demo data, marked)."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext

from parkpilot.carbon import services_green
from parkpilot.carbon.models import (
    Budget,
    EmissionFactor,
    GreenPowerPurchase,
    IndustryAverage,
    YearSettings,
)
from parkpilot.demo.services import LoadReport, upsert
from parkpilot.tenancy.actors import system_actor
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
    # Years without a published factor use the latest published one, marked carried forward
    # when read (carbon/factors.py): no copies. Copies an earlier demo load made (the 2022
    # value relabelled for later years) are retired, kept for the accounts that cite them.
    EmissionFactor.objects.filter(
        park=park, is_demo=True, note__endswith="carried forward (demo)", superseded=False
    ).update(superseded=True)
    for f in carbon["factors"]:
        upsert(
            report, "emission_factor", EmissionFactor,
            {"park": park, "carrier": f["carrier"], "quantity": f["quantity"],
             "purpose": f.get("purpose", "default"), "region": f["region"], "year": f["year"],
             "version": 1},
            {"value": Decimal(f["value"]), "unit": f["unit"], "document": f["document"],
             "effective_from": date.fromisoformat(f["effective_from"]),
             "note": f.get("note", ""), "is_demo": bool(f.get("is_demo")), "superseded": False},
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
                {"intensity": Decimal(str(value)), "document": gettext("demo data"),
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
        actor=system_actor(park, "demo"),
        via="system",
        park=park,
        year=last.year,
        month=last.month,
        start=False,
    )
    services.batch_run(batch_id=batch.pk)


def _budgets(park: Park, demo: dict, year: int, report: LoadReport) -> None:
    pb = demo["park_budget"]
    upsert(
        report, "carbon_budget", Budget, {"park": park, "enterprise": None, "year": year},
        {"energy_tce": Decimal(str(pb["energy_tce"])), "co2_t": Decimal(str(pb["co2_t"])),
         "is_demo": True},
    )  # fmt: skip
    load_green_power(park=park, report=report)
    per = demo["enterprise_budget_per_employee"]
    for ent in Enterprise.objects.filter(park=park).exclude(employees=None):
        upsert(
            report, "carbon_budget", Budget, {"park": park, "enterprise": ent, "year": year},
            {"energy_tce": Decimal(str(per["energy_tce"] * ent.employees)),
             "co2_t": Decimal(str(per["co2_t"] * ent.employees)), "is_demo": True},
        )  # fmt: skip


# Demo green power (invented, marked): a year's green-power trade for 杭叉 and a month of
# certificates for 杭氧, this year, so the market-based scope 2 differs from the location one.
DEMO_GREEN = [
    {"enterprise": "杭叉集团股份有限公司", "kind": "green_trade", "quantity_mwh": "1200",
     "months": (1, 12), "seller": "浙江电力交易中心 绿电交易（海上风电，演示）",
     "reference": "DEMO-GT-{year}-001", "certificates": 0},
    {"enterprise": "杭州制氧机集团股份有限公司", "kind": "certificate", "quantity_mwh": "20",
     "months": (11, 11), "seller": "中国绿色电力证书交易平台（光伏，演示）",
     "reference": "DEMO-GEC-{year}-11", "certificates": 20},
]  # fmt: skip


def load_green_power(*, park: Park, report: LoadReport, year: int | None = None) -> None:
    year = year or timezone.localdate().year
    for item in DEMO_GREEN:
        ent = Enterprise.objects.filter(park=park, name=item["enterprise"]).first()
        reference = item["reference"].format(year=year)
        if ent is None or GreenPowerPurchase.objects.filter(park=park, reference=reference):
            continue
        first, last = item["months"]
        end = date(year, 12, 31) if last == 12 else date(year, last + 1, 1) - timedelta(days=1)
        services_green.purchase_create(
            actor=system_actor(park, "demo"), via="demo", park=park, enterprise_id=ent.pk,
            kind=item["kind"],
            quantity_mwh=item["quantity_mwh"], period_start=date(year, first, 1),
            period_end=end, seller=item["seller"], reference=reference, is_demo=True,
            certificates=[f"{reference}-{i:04d}" for i in range(1, item["certificates"] + 1)],
        )  # fmt: skip
        report.count("green_power", created=True, changed=True)
