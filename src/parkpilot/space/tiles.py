"""The cockpit's tile of the incubation ladder: (user, park) -> TileData."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from parkpilot.plugins import TileData
from parkpilot.space import selectors_ladder


def incubation(user, park) -> TileData:
    """Spaces now against the target, with area, operators and platforms in the caption."""
    spaces = selectors_ladder.space_list(user=user)
    progress = selectors_ladder.target_progress(user=user, park=park, spaces=spaces)
    if progress is None:
        return TileData(value=len(spaces), caption=_("No target set."),
                        link=reverse("space:ladder"))  # fmt: skip
    now = {r["key"]: r for r in progress["rows"]}
    target = progress["target"]
    caption = _(
        "of %(spaces)d by %(year)d; %(area)s of %(area_goal)s 10k m², %(operators)d of "
        "%(operators_goal)d operators, %(platforms)d of %(platforms_goal)d platforms"
    ) % {
        "spaces": target.spaces, "year": target.year,
        "area": f"{now['area_m2']['now'] / 10000:.1f}",
        "area_goal": f"{target.area_m2 / 10000:.0f}",
        "operators": now["operators"]["now"], "operators_goal": target.operators,
        "platforms": now["platforms"]["now"], "platforms_goal": target.platforms,
    }  # fmt: skip
    behind = any(r["pct"] is not None and r["pct"] < 50 for r in progress["rows"])
    return TileData(
        value=len(spaces),
        unit=pgettext("unit", "spaces"),
        caption=caption,
        link=reverse("space:ladder"),
        status="warn" if behind else "ok",
        extra={r["key"]: {"now": str(r["now"]), "goal": str(r["goal"])} for r in progress["rows"]},
        demo=any(s.demo for s in spaces),
    )
