"""The sink registry's line on the carbon pages and in the 碳体检报告: offsets (碳汇抵消).

What an enterprise retired against the period's year, with the serials, projects and vintages
that make it up, so a reader can check each tonne in the registry. Gross emissions are never
changed: the carbon figures above stay gross, and this section states offsets and how net is
read (gross − offsets). A tonne retired by one enterprise is in its section alone (the blocks
keep `holder_enterprise`)."""

from django.db.models import F, Sum
from django.utils.translation import gettext, pgettext

from parkpilot.sinks.models import Block, BlockState
from parkpilot.tenancy import access
from parkpilot.tenancy.actors import system_actor


def offsets(blocks, *, year: int) -> dict | None:
    """The retired blocks of one year (a queryset already scoped to one enterprise)."""
    retired = (
        blocks.filter(state=BlockState.RETIRED, retired_for_year=year)
        .values("issuance__project__name", "issuance__vintage", "first", "last")
        .order_by("first")
    )
    rows = [
        [
            r["issuance__project__name"],
            r["issuance__vintage"],
            f"{r['first']}–{r['last']}",
            r["last"] - r["first"] + 1,
        ]
        for r in retired
    ]
    if not rows:
        return None
    total = sum(r[3] for r in rows)
    return {
        "year": year,
        "total_t": total,
        # What the report reads (plugins.ReportSection): its sheet and its figure.
        "columns": [
            pgettext("sinks", "Project"),
            gettext("Vintage"),
            gettext("Serials"),
            "tCO2e",
        ],
        "rows": rows,
        "figures": [
            {
                "key": "offsets_t",
                "name": gettext("Offsets retired"),
                "unit": "tCO2e",
                "value": total,
            }
        ],
    }


def report_section(*, enterprise, per) -> dict | None:
    system = system_actor(enterprise.park, "sinks.offsets")
    blocks = access.scoped(system, Block).filter(holder_enterprise=enterprise)
    return offsets(blocks, year=per.start.year)


def enterprise_page_section(user, *, park, enterprise, per) -> dict | None:
    if enterprise is None:
        return None
    blocks = access.scoped(user, Block).filter(holder_enterprise=enterprise)
    return offsets(blocks, year=per.start.year)


def park_page_section(user, *, park, per) -> dict | None:
    """The park's carbon page: every enterprise's retirements of the year, as one total."""
    retired = access.scoped(user, Block).filter(
        park=park, state=BlockState.RETIRED, retired_for_year=per.start.year
    )
    total = retired.aggregate(t=Sum(F("last") - F("first") + 1))["t"]
    if not total:
        return None
    return {"year": per.start.year, "total_t": total, "rows": [], "columns": []}
