"""Reads for green power and the market-based scope 2 figure beside the location-based one
(GHG Protocol Scope 2 Guidance, dual reporting):

  location-based scope 2  grid kWh × the grid's average factor + heat (the account as is)
  market-based scope 2    (grid kWh − green kWh applied) × the grid factor + heat
  green kWh applied       min(green kWh of the period, grid kWh): never more than was bought
                          from the grid, so the figure never drops below zero

Green kWh of a period: each purchase's MWh spread over its days, the days inside the period.
China publishes no residual mix for regional grids, so the uncovered kWh keep the grid factor
(the report says so)."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from parkpilot.carbon import selectors
from parkpilot.carbon.green_kwh import days as _days
from parkpilot.carbon.green_kwh import kwh_inside as _kwh_inside
from parkpilot.carbon.models import AccountScope
from parkpilot.carbon.models_green import GreenPowerPurchase
from parkpilot.carbon.periods import Period
from parkpilot.tenancy import access

RESIDUAL_NOTE = gettext_lazy(
    "Uncovered kWh at the grid average factor (no residual mix is published)"
)


def purchase_list(*, user, park_id: int, enterprise_id: int | None = None) -> QuerySet:
    qs = (
        access.scoped(user, GreenPowerPurchase)
        .filter(park_id=park_id)
        .select_related("enterprise")
        .prefetch_related("certificates")
    )
    if enterprise_id is not None:
        qs = qs.filter(enterprise_id=enterprise_id)
    return qs.order_by("-period_start", "-id")


def green_kwh(*, park, enterprise_id: int, per: Period) -> dict:
    """The enterprise's green kWh falling in the period, and the purchases they come from."""
    first, after = _days(per, park.timezone)
    rows = GreenPowerPurchase.objects.filter(
        park=park, enterprise_id=enterprise_id, period_start__lt=after, period_end__gte=first
    ).prefetch_related("certificates")
    total, used = 0.0, []
    for p in rows.order_by("period_start", "id"):
        kwh = _kwh_inside(p, first, after)
        total += kwh
        used.append(
            {"id": p.pk, "kind": p.kind, "seller": p.seller, "quantity_mwh": float(p.quantity_mwh),
             "period": f"{p.period_start.isoformat()}/{p.period_end.isoformat()}",
             "kwh_in_period": kwh, "certificates": [c.serial for c in p.certificates.all()],
             "reference": p.reference, "is_demo": p.is_demo}
        )  # fmt: skip
    return {"kwh": total, "purchases": used}


def market_based(figures: dict, available_kwh: float) -> dict:
    """Both scope 2 figures of one account (its stored or live figures), given the green kWh
    available in its period. The figures' own electricity factor prices the uncovered kWh,
    so a closed period's snapshot and its market-based figure stay on one basis."""
    grid = figures["electricity"]["grid_kwh"]
    applied = min(max(available_kwh, 0.0), grid)
    source = figures["sources"].get("grid_electricity") or {}
    electricity_co2 = source.get("co2_t", 0.0)
    factor = source.get("factor") or {}
    market_electricity = electricity_co2 * (grid - applied) / grid if grid else 0.0
    location = figures["scope2_co2_t"]
    market = max(0.0, location - electricity_co2 + market_electricity)
    return {
        "grid_kwh": grid,
        "green_kwh_available": available_kwh,
        "green_kwh_applied": applied,
        "green_kwh_unused": max(0.0, available_kwh - applied),
        "location_scope2_co2_t": location,
        "market_scope2_co2_t": market,
        "location_electricity_co2_t": electricity_co2,
        "market_electricity_co2_t": market_electricity,
        "deducted_co2_t": location - market,
        "location_total_co2_t": figures["co2_t"],
        "market_total_co2_t": figures["scope1_co2_t"] + market,
        "electricity_factor": factor,
        "residual_note": str(RESIDUAL_NOTE),
    }


def scope2_of(*, park, enterprise_id: int, per: Period, figures: dict) -> dict:
    """Both figures of the period. A closed period deducts the green kWh its snapshot stored
    (one basis with its other figures); green power entered for it since is shown beside
    (`green_kwh_since_closing`), never folded in until staff recompute."""
    green = green_kwh(park=park, enterprise_id=enterprise_id, per=per)
    closing = selectors.current_closing(park=park, per=per)
    stored = (closing.indicators.get(str(enterprise_id)) or {}) if closing is not None else {}
    if "green_kwh" not in stored:  # open, or closed before snapshots kept green power
        return {**market_based(figures, green["kwh"]), "purchases": green["purchases"]}
    return {
        **market_based(figures, stored["green_kwh"]),
        "purchases": green["purchases"],
        "green_kwh_since_closing": green["kwh"] - stored["green_kwh"],
    }


def enterprise_scope2(*, user, park, enterprise, per: Period) -> dict:
    """Both scope 2 figures of one enterprise and period, from the figure every other page
    shows for it (the stored account of a closed period, else live)."""
    view = selectors.account_view(
        user=user, park=park, scope=AccountScope.ENTERPRISE, scope_id=enterprise.pk, per=per
    )
    return {
        "enterprise_id": enterprise.pk,
        "period": per.label,
        "level": per.level,
        "stored": view["stored"],
        **scope2_of(park=park, enterprise_id=enterprise.pk, per=per, figures=view["figures"]),
    }
