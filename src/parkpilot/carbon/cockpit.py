"""Carbon's live figures: the data-cockpit tiles (CarbonConfig.cockpit_tiles), the version the
cockpit's stream polls, and the figures the carbon pages show and stream."""

from collections import defaultdict

from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parkpilot.carbon import periods, selectors
from parkpilot.carbon.models import EmissionFactor, Level
from parkpilot.carbon.periods import Period, period
from parkpilot.cockpit.stream import Feed
from parkpilot.energy import cockpit as energy_cockpit
from parkpilot.energy import selectors as energy_selectors
from parkpilot.energy.kinds import CANONICAL_UNIT
from parkpilot.plugins import TileData
from parkpilot.tenancy.errors import NotFound, ValidationFailed


def data_version(park) -> str:
    """Changes when energy lands or the catalogue changes (two small indexed queries more)."""
    factors = EmissionFactor.objects.filter(park=park).aggregate(n=Count("id"), m=Max("id"))
    return f"{energy_cockpit.data_version(park)}|{factors['n']}:{factors['m']}"


def this_month(park) -> Period:
    return period(Level.MONTH, timezone.localdate(), park.timezone)


def live_figures(*, user, park) -> dict:
    """This month so far: the park's totals for park roles, the enterprise's own otherwise."""
    per = this_month(park)
    if selectors.is_park_reader(user):
        acc = selectors.live_accounts(user=selectors.system_reader(park), park=park, per=per)
        a, who = acc.park(), park.name
    elif user.enterprise_id:
        acc = selectors.live_accounts(user=user, park=park, per=per)
        a, who = acc.enterprise(user.enterprise_id), user.enterprise.name
    else:
        raise NotFound
    now = timezone.localtime()
    return {
        "who": who,
        "period": per.label,
        # While the month runs its figures are partial: so far, through now.
        "partial": periods.is_running(per),
        "through": timezone.localtime(min(now, per.end)).strftime("%m-%d %H:%M"),
        "co2_t": round(a.co2_t, 3),
        "tce": round(a.tce, 3),
        "scope1_co2_t": round(a.scope1_co2_t, 3),
        "scope2_co2_t": round(a.scope2_co2_t, 3),
        "used_kwh": round(a.used_kwh, 1),
        "pv_self_kwh": round(a.pv_self_kwh, 1),
        "as_of": now.strftime("%H:%M:%S"),
        "demo": energy_selectors.park_has_demo_points(park_id=park.pk),
    }


def _live_figures_event(user, park, version: str) -> dict:
    try:
        return live_figures(user=user, park=park)
    except ValidationFailed as exc:  # e.g. a factor missing: the page says so, the stream goes on
        return {"error": str(exc)}


def _viewers(user, park) -> tuple:
    """Park readers all see the park's totals; an enterprise's users see that enterprise's."""
    if selectors.is_park_reader(user):
        return (park.pk, "park")
    return (park.pk, "enterprise", user.enterprise_id)


# The carbon pages' live figures: one poll and one computation per process for all open pages
# of the same park (and enterprise), however many are open.
LIVE = Feed(name="carbon", version=data_version, figures=_live_figures_event, group_key=_viewers)


def park_overview(*, user, park, per: Period) -> dict:
    """The control page: totals, by zone, by industry, by energy kind, top emitters, budgets."""
    system = selectors.system_reader(park)
    acc = selectors.period_accounts(user=system, park=park, per=per)
    closing = getattr(acc, "closing", None)
    total = acc.park()
    since = None
    if closing is not None:  # what arrived since closing, shown beside the snapshot
        live = selectors.live_accounts(user=system, park=park, per=per).park()
        since = selectors.arrived_since(total.figures(), live)
    zones = [
        {"id": zid, "name": name, "co2_t": (z := acc.zone(zid)).co2_t, "tce": z.tce}
        for zid, name in acc.zones.items()
    ]
    industries: dict[str, dict] = defaultdict(lambda: {"co2_t": 0.0, "tce": 0.0, "n": 0})
    for eid, a in acc.enterprises.items():
        row = industries[acc.meta[eid].industry_code or "—"]
        row["co2_t"] += a.co2_t
        row["tce"] += a.tce
        row["n"] += 1
    top = sorted(acc.enterprises.items(), key=lambda kv: -kv[1].co2_t)[:10]
    public = acc.public_total()
    return {
        "state": selectors.period_state(park=park, per=per, closing=closing),
        "closing": closing,
        "since_closing": since,
        "total": total,
        "public": public,
        "zones": sorted(zones, key=lambda z: -z["co2_t"]),
        "industries": sorted(
            ({"code": k, **v} for k, v in industries.items()), key=lambda r: -r["co2_t"]
        ),
        "kinds": [
            {
                "kind": k,
                "quantity": v,
                "unit": CANONICAL_UNIT.get(k, ""),
                "flagged": _flagged(total).get(k, 0.0),
            }
            for k, v in total.energy.items()
        ],
        "top": [
            {"id": eid, "name": acc.meta[eid].name, "co2_t": a.co2_t, "tce": a.tce}
            for eid, a in top
        ],
        "budgets": selectors.budget_status(
            user=user, park=park, year=per.year, month=per.start.month
        ),
        "alerts": list(selectors.alert_list(user=user, park_id=park.pk, open_only=True)[:20]),
        "live": live_figures(user=user, park=park),
        "zone_chart": {
            "names": [z["name"] for z in zones],
            "co2": [round(z["co2_t"], 3) for z in zones],
        },
    }


def _flagged(account) -> dict[str, float]:
    """Flagged energy by kind (each in its own unit). Snapshots made before it was kept by
    kind hold one number summed over units, which means nothing: shown as none."""
    flagged = account.flagged_energy
    return flagged if isinstance(flagged, dict) else {}


def emissions_tile(user, park) -> TileData:
    f = live_figures(user=user, park=park)
    figures = {"through": f["through"], "tce": f["tce"], "s1": f["scope1_co2_t"],
               "s2": f["scope2_co2_t"]}  # fmt: skip
    if f["partial"]:
        caption = _(
            "this month so far (partial, through %(through)s): %(tce).1f tce, scope 1 "
            "%(s1).1f t, scope 2 %(s2).1f t"
        )
    else:
        caption = _("this month: %(tce).1f tce, scope 1 %(s1).1f t, scope 2 %(s2).1f t")
    return TileData(
        value=round(f["co2_t"], 1),
        unit="tCO2",
        caption=caption % figures,
        link=reverse("carbon:park"),
        as_of=f["as_of"][:5],
        demo=f["demo"],
    )


def grades_tile(user, park) -> TileData:
    per = this_month(park).previous()
    try:
        rows = selectors.grade_table(user=selectors.system_reader(park), park=park, per=per)
    except ValidationFailed as exc:  # e.g. the year's grading thresholds are not set yet
        reason = exc.errors[0].reason if exc.errors else str(exc)
        return TileData(value="—", caption=reason, link=reverse("carbon:settings"), status="warn")
    counts = defaultdict(int)
    for r in rows:
        if r["grade"]:
            counts[r["grade"]] += 1
    graded = sum(counts.values())
    return TileData(
        value=graded,
        unit=_("graded"),
        caption=_("carbon-efficiency grades, %(period)s") % {"period": per.label},
        link=reverse("carbon:park"),
        chart={
            "xAxis": {"type": "category", "data": [f"{g}级" for g in range(1, 6)]},
            "yAxis": {"type": "value"},
            "series": [{"type": "bar", "data": [counts[g] for g in range(1, 6)]}],
        },
        status="warn" if counts[4] + counts[5] else "ok",
        as_of=per.label,
    )


def budget_tile(user, park) -> TileData:
    per = this_month(park)
    rows = selectors.budget_status(user=user, park=park, year=per.year, month=per.start.month)
    park_row = next((r for r in rows if r["enterprise_id"] is None), None)
    over = [r for r in rows if r["enterprise_id"] and r["co2"]["over"]]
    share = park_row["co2"]["projected_share"] if park_row else None
    return TileData(
        value=round(share * 100, 1) if share is not None else "—",
        unit="%",
        caption=_("projected share of the park's carbon budget; %(n)d enterprises over")
        % {"n": len(over)},
        link=reverse("carbon:park"),
        status="alert" if share and share > 1 else "warn" if over else "ok",
        extra={
            "alerts": [
                {
                    "text": f"{r['name']}: {r['co2']['projected_share']:.0%}",
                    "link": reverse("carbon:park"),
                    "status": "warn",
                }
                for r in over[:5]
            ]
        },
        as_of=per.label,
        demo=bool(park_row and park_row["is_demo"]),
    )
