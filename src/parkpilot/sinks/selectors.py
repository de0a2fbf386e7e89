"""Reads of the sink registry, through the access rule; and the registry's own check.

Expected removals follow the stock-change approach of CCER-14-001-V01 (造林碳汇项目方法学, in
force since 2023-10-24), tree biomass: ΔC = A × ΔV × D × BEF × (1 + R) × CF × 44/12 tCO2e per
year, with A the plot's area (ha), ΔV its stand volume increment (m³/ha/a), D the wood density
(t/m³), BEF the biomass expansion factor, R the root-to-shoot ratio and CF the carbon fraction
of dry matter (IPCC 2006 default 0.47); the species' parameters are the methodology's data."""

from collections import defaultdict
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db.models import Count, F, OuterRef, Subquery, Sum
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkpilot.ledger import selectors as ledger_selectors
from parkpilot.ledger.models import Account, Unit
from parkpilot.sinks.models import (
    Block,
    BlockState,
    Issuance,
    Plot,
    Project,
    SellerBlock,
    SellerProject,
    SellerTrade,
    Trade,
)
from parkpilot.tenancy import access
from parkpilot.tenancy.errors import NotFound

CO2_PER_C = Decimal(44) / Decimal(12)
FEN = Decimal("0.01")


def expected_removals(plot: Plot) -> Decimal:
    """The plot's expected removals, tCO2e per year (the module's equation)."""
    p = plot.project.methodology.parameters
    s = p["species"][plot.species]
    per_ha = (
        Decimal(str(s["increment_m3_ha"]))
        * Decimal(str(s["density_t_m3"]))
        * Decimal(str(s["bef"]))
        * (1 + Decimal(str(s["root_shoot"])))
        * Decimal(str(p["carbon_fraction"]))
        * CO2_PER_C
    )
    return (plot.area_ha * per_ha).quantize(Decimal("0.1"))


def project_list(*, user):
    projects = access.scoped(user, Project).select_related("methodology").order_by("code")
    # Subqueries, not joins: joining plots and issuances at once would multiply the sums.
    issued = Issuance.objects.filter(project=OuterRef("pk")).values("project")
    plots = Plot.objects.filter(project=OuterRef("pk")).values("project")
    return projects.annotate(
        issued=Subquery(issued.annotate(t=Sum("quantity")).values("t")),
        plots_count=Subquery(plots.annotate(n=Count("id")).values("n")),
    )


def project_get(*, user, project_id: int) -> Project:
    found = access.scoped(user, Project).filter(pk=project_id).first()
    if found is None:
        raise NotFound
    return found


def _tonnes():
    return Sum(F("last") - F("first") + 1)  # a block's serials, counted in the database


def holdings(*, user, enterprise_id: int) -> dict:
    """An enterprise's live tonnes by project and vintage, and what it retired by year."""
    blocks = access.scoped(user, Block).filter(holder_enterprise_id=enterprise_id)
    live = blocks.filter(state=BlockState.LIVE, holder=f"enterprise:{enterprise_id}")
    by_vintage = (
        live.values("issuance__project__name", "issuance__vintage")
        .annotate(t=_tonnes())
        .order_by("issuance__vintage", "issuance__project__name")
    )
    retired = (
        blocks.filter(state=BlockState.RETIRED)
        .values("retired_for_year")
        .annotate(t=_tonnes())
        .order_by("retired_for_year")
    )
    return {
        "live": [
            {
                "project": r["issuance__project__name"],
                "vintage": r["issuance__vintage"],
                "t": r["t"],
            }
            for r in by_vintage
        ],
        "retired": {r["retired_for_year"]: r["t"] for r in retired},
        "live_total": _total(live),
    }


# What a line of an enterprise's statement was, by the ledger entry's kind and its sign.
STATEMENT_KINDS = {
    ("sinks.trade", True): _("Bought"),
    ("sinks.trade", False): _("Sold"),
    ("sinks.transfer", True): _("Transferred in"),
    ("sinks.transfer", False): _("Transferred out"),
    ("sinks.retire", False): _("Retired against emissions"),
    ("sinks.cancel", False): _("Cancelled"),
    ("sinks.issue", True): pgettext_lazy("statement", "Issued"),
}


def statement(*, user, enterprise_id: int) -> dict:
    """An enterprise's account of live tonnes: its movements newest first with the balance
    after each (the ledger's journal), and the serial blocks it holds now. Its own people and
    the park's readers read it; anyone else gets NotFound (existence does not leak)."""
    own = user.enterprise_id is None or user.enterprise_id == enterprise_id
    if not (own and access.can(user, access.READ, Block)):
        raise NotFound
    holder = f"enterprise:{enterprise_id}"
    return _statement(user, holder, access.scoped(user, Block))


def _statement(user, holder: str, blocks) -> dict:
    """A holder's ledger journal (newest first, the balance after each line) and the live
    serial blocks it holds, from `blocks` (already scoped to what the user may read)."""
    account = Account.objects.filter(
        park_id=user.park_id, unit=Unit.TCO2E, owner=f"sinks.{holder}"
    ).first()
    lines = ledger_selectors.statement(account=account) if account else []
    for line in lines:
        line["what"] = STATEMENT_KINDS.get((line["kind"], line["amount"] > 0), line["kind"])
    held = (
        blocks.filter(holder=holder, state=BlockState.LIVE)
        .select_related("issuance__project")
        .order_by("first")
    )
    return {"holder": holder, "lines": lines, "blocks": list(held)}


# --- a project's sales: the park's readers and the project's sellers ----------------------


def seller_projects(*, user):
    """The projects this person sells (ProjectSeller), with tonnes issued, sold and still
    held, and the proceeds in yuan (subqueries: joins would multiply the sums)."""
    issued = Issuance.objects.filter(project=OuterRef("pk")).values("project")
    trades = Trade.objects.filter(project=OuterRef("pk")).values("project")
    return (
        access.scoped(user, SellerProject)
        .select_related("methodology")
        .order_by("code")
        .annotate(
            issued=Subquery(issued.annotate(t=Sum("quantity")).values("t")),
            sold=Subquery(trades.annotate(t=Sum("quantity")).values("t")),
            proceeds_yuan=Subquery(trades.annotate(y=Sum(F("quantity") * F("price"))).values("y")),
        )
    )


def seller_project_get(*, user, project_id: int) -> Project:
    """One project this person sells, or NotFound (another seller's, another park's)."""
    return access.get_for(user, SellerProject.objects.select_related("methodology"), project_id)


def _as_park(user, project: Project) -> bool:
    return access.whole_park(user, Trade, project.park_id)


def project_trades(*, user, project: Project):
    """The project's settled sales, oldest first: all of them for the park's readers, through
    ProjectSeller for its sellers, none for anyone else."""
    model = Trade if _as_park(user, project) else SellerTrade
    return (
        access.scoped(user, model)
        .filter(project=project)
        .select_related("buyer", "event", "project")
        .order_by("event__at", "id")
    )


# Plots on the shared map (templates/components/park_map.html): a collective's and a
# household's in two greens.
PLOT_FILL = {"collective": "#0b6e4f", "household": "#6fbf73"}


def plots_map(*, project: Project) -> dict | None:
    """The project's plots with an outline as one GeoJSON FeatureCollection, each labelled
    with its owner and area, or None when no plot has an outline."""
    features = [
        {
            "type": "Feature",
            "geometry": p.outline,
            "properties": {
                "kind": "plot",
                "name": f"{p.owner_name} {p.area_ha} ha",
                "fill": PLOT_FILL.get(p.owner_kind, PLOT_FILL["household"]),
            },
        }
        for p in project.plots.order_by("id")
        if p.outline
    ]
    if not features:
        return None
    return {"type": "FeatureCollection", "features": features, "demo": project.demo}


def registry_trades(*, user):
    """Every trade of the park the user may read (the park's readers: all), oldest first."""
    return (
        access.scoped(user, Trade)
        .select_related("buyer", "event", "project")
        .order_by("event__at", "id")
    )


def project_statement(*, user, project: Project) -> dict:
    """The project's account of live tonnes, as an enterprise's statement: issued, sold,
    transferred out and cancelled, with the balance after each line, and the serials it still
    holds. The park's readers and the project's sellers read it; anyone else gets NotFound."""
    if _as_park(user, project):
        blocks = access.scoped(user, Block)
    elif access.scoped(user, SellerProject).filter(pk=project.pk).exists():
        blocks = access.scoped(user, SellerBlock)
    else:
        raise NotFound
    return _statement(user, f"project:{project.pk}", blocks)


def project_sales(*, user, project: Project) -> dict:
    """What a project sold and what each owner gets: its trades with their prices, the tonnes
    issued, sold and still held, the proceeds and their shares (see `share_proceeds`)."""
    trades = list(project_trades(user=user, project=project))
    total = sum((t.amount for t in trades), Decimal(0))
    return {
        "trades": trades,
        "issued": project.issuances.aggregate(t=Sum("quantity"))["t"] or 0,
        "sold": sum(t.quantity for t in trades),
        "proceeds_yuan": total,
        "average": average_price(total, sum(t.quantity for t in trades)),
        "shares": share_proceeds(total, list(project.plots.order_by("id"))),
    }


def _total(blocks) -> int:
    return blocks.aggregate(t=_tonnes())["t"] or 0


def retired_for(*, user, enterprise_id: int, year: int) -> int:
    """Tonnes the enterprise retired against `year`: its offsets, its claim alone."""
    blocks = access.scoped(user, Block).filter(
        holder_enterprise_id=enterprise_id, state=BlockState.RETIRED, retired_for_year=year
    )
    return _total(blocks)


def registry_totals(*, user) -> dict:
    """Tonnes live, retired, cancelled, issued and traded, and the trades' value (3 queries)."""
    by_state = access.scoped(user, Block).values("state").annotate(t=_tonnes())
    totals = dict.fromkeys(BlockState.values, 0) | {r["state"]: r["t"] for r in by_state}
    sales = access.scoped(user, Trade).aggregate(
        t=Sum("quantity"), y=Sum(F("quantity") * F("price"))
    )
    return totals | {
        "issued": access.scoped(user, Issuance).aggregate(t=Sum("quantity"))["t"] or 0,
        "traded": sales["t"] or 0,
        "traded_yuan": sales["y"] or 0,
    }


def proceeds(*, user, project: Project) -> list[dict]:
    """The project's sales shared among its plots' owners (see `share_proceeds`)."""
    total = sum((t.amount for t in project_trades(user=user, project=project)), Decimal(0))
    return share_proceeds(total, list(project.plots.order_by("id")))


def share_proceeds(total: Decimal, plots: list[Plot]) -> list[dict]:
    """`total` yuan shared among the plots' owners by their share, exact to the fen: each gets
    its share rounded down, and the fen left over go one each to the largest remainders (ties:
    the earlier plot), so the parts sum to the shared whole. The whole is total × the shares'
    sum (1 when the shares are complete), to the fen half up."""
    exact = [total * p.share for p in plots]
    whole = sum(exact, Decimal(0)).quantize(FEN, ROUND_HALF_UP)
    parts = [e.quantize(FEN, rounding=ROUND_DOWN) for e in exact]
    left = int((whole - sum(parts, Decimal(0))) / FEN)
    by_remainder = sorted(range(len(plots)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[:left]:
        parts[i] += FEN
    return [
        {"owner": p.owner_name, "kind": p.get_owner_kind_display(), "share": p.share, "amount": a}
        for p, a in zip(plots, parts, strict=True)
    ]


def average_price(yuan: Decimal, tonnes: int) -> Decimal | None:
    """The volume-weighted price to the fen, half up as money is (not round half to even)."""
    return (Decimal(yuan) / tonnes).quantize(FEN, ROUND_HALF_UP) if tonnes else None


def registry_violations(*, park_id: int) -> list[str]:
    """What would be wrong with the registry (an empty list when nothing is):
    - the blocks of an issuance tile its serials exactly: none missing, none held twice;
    - live + retired + cancelled = issued, per issuance;
    - each holder's ledger balance equals the live tonnes it holds, and the registry's own
      accounts equal what was issued, retired and cancelled."""
    problems = []
    by_issuance = defaultdict(list)
    for issuance_id, first, last in (
        Block.objects.filter(park_id=park_id)
        .order_by("issuance_id", "first")
        .values_list("issuance_id", "first", "last")
    ):
        by_issuance[issuance_id].append((first, last))
    for issuance in Issuance.objects.filter(park_id=park_id):
        expected_next = issuance.first
        for first, last in by_issuance.pop(issuance.pk, []):
            if first != expected_next:
                what = "held twice" if first < expected_next else "missing"
                problems.append(f"issuance {issuance.pk}: serial {expected_next} {what}")
            expected_next = max(expected_next, last + 1)
        if expected_next != issuance.last + 1:
            problems.append(
                f"issuance {issuance.pk}: blocks end at {expected_next - 1}, not {issuance.last}"
            )
    problems += [f"blocks of unknown issuance {i}" for i in by_issuance]
    problems += _ledger_mismatches(park_id)
    return problems


def _ledger_mismatches(park_id: int) -> list[str]:
    size = _tonnes()
    live = dict(
        Block.objects.filter(park_id=park_id, state=BlockState.LIVE)
        .values("holder")
        .annotate(t=size)
        .values_list("holder", "t")
    )
    states = dict(
        Block.objects.filter(park_id=park_id)
        .values("state")
        .annotate(t=size)
        .values_list("state", "t")
    )
    issued = Issuance.objects.filter(park_id=park_id).aggregate(t=Sum("quantity"))["t"] or 0
    books = dict(
        Account.objects.filter(
            park_id=park_id, unit=Unit.TCO2E, owner__startswith="sinks."
        ).values_list("owner", "balance")
    )
    problems = []
    for holder in set(live) | {o.removeprefix("sinks.") for o in books if o.count(":")}:
        booked, held = books.get(f"sinks.{holder}", 0), live.get(holder, 0)
        if booked != held:
            problems.append(f"{holder}: ledger {booked} t, blocks {held} t")
    expected = {
        "sinks.issued": -issued,
        "sinks.retired": states.get(BlockState.RETIRED, 0),
        "sinks.cancelled": states.get(BlockState.CANCELLED, 0),
    }
    for owner, want in expected.items():
        if books.get(owner, 0) != want:
            problems.append(f"{owner}: ledger {books.get(owner, 0)} t, registry {want} t")
    if sum(states.values()) != issued:
        problems.append(f"live + retired + cancelled = {sum(states.values())} t, issued {issued} t")
    return problems
