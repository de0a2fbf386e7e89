"""The 亩均效益 evaluation (亩均论英雄, Zhejiang), per enterprise and year, from stored inputs:

  亩均增加值      value added (万元) / land (亩)
  亩均税收        tax paid (万元) / land (亩)
  单位能耗增加值  value added / energy (tce, the carbon accounts' own figure)
  单位排放增加值  value added / (COD + NH3-N + SO2 + NOx, t)
  R&D intensity   R&D spending / revenue (%)
  全员劳动生产率  value added / average employees (万元/人)
  and, not scored, value added per tCO2 (the carbon accounts).

An indicator scores min(value / the park's benchmark, cap) × its weight, the benchmark being
the park's own ratio of sums over the enterprises evaluated; missing data score 0. Enterprises
rank by total score, and a class holds the ranks up to its cut-off percent (MujunScheme).
This module is pure arithmetic on plain numbers: selectors.mujun_year gathers the inputs."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

M2_PER_MU = Decimal(10000) / Decimal(15)  # 1 亩 = 666.67 m² (10,000/15)
INDICATORS = ("va_per_mu", "tax_per_mu", "va_per_tce", "va_per_pollutant_t", "rnd_pct",
              "va_per_employee")  # fmt: skip
CENT = Decimal("0.01")


@dataclass
class Inputs:
    enterprise_id: int
    land_m2: Decimal
    value_added: Decimal | None  # 万元
    tax: Decimal | None
    revenue: Decimal | None
    rnd: Decimal | None
    employees: Decimal | None  # average over the months reported
    tce: Decimal | None
    co2_t: Decimal | None
    pollutant_t: Decimal | None  # COD + NH3-N + SO2 + NOx
    industry_code: str = ""  # GB/T 4754, for the scheme's sector rules
    values: dict = field(default_factory=dict)


def _ratio(num, den, scale=1) -> Decimal | None:
    if num is None or not den:
        return None
    return num * scale / den


def indicators(i: Inputs) -> dict[str, Decimal | None]:
    mu = i.land_m2 / M2_PER_MU if i.land_m2 else None
    return {
        "va_per_mu": _ratio(i.value_added, mu),
        "tax_per_mu": _ratio(i.tax, mu),
        "va_per_tce": _ratio(i.value_added, i.tce),
        "va_per_pollutant_t": _ratio(i.value_added, i.pollutant_t),
        "rnd_pct": _ratio(i.rnd, i.revenue, 100),
        "va_per_employee": _ratio(i.value_added, i.employees),
        "va_per_tco2": _ratio(i.value_added, i.co2_t),
    }


def _sum(values) -> Decimal:
    return sum((v for v in values if v is not None), Decimal(0))


def benchmarks(rows: list[Inputs]) -> dict[str, Decimal | None]:
    """The park's ratios of sums, each over the enterprises that have both parts."""

    def bench(num, den, scale=1):
        pairs = [(num(r), den(r)) for r in rows if num(r) is not None and den(r)]
        return _ratio(_sum(n for n, _d in pairs), _sum(d for _n, d in pairs), scale)

    return {
        "va_per_mu": bench(lambda r: r.value_added, lambda r: r.land_m2 / M2_PER_MU),
        "tax_per_mu": bench(lambda r: r.tax, lambda r: r.land_m2 / M2_PER_MU),
        "va_per_tce": bench(lambda r: r.value_added, lambda r: r.tce),
        "va_per_pollutant_t": bench(lambda r: r.value_added, lambda r: r.pollutant_t),
        "rnd_pct": bench(lambda r: r.rnd, lambda r: r.revenue, 100),
        "va_per_employee": bench(lambda r: r.value_added, lambda r: r.employees),
    }


def contributions(values: dict, bench: dict, weights: dict, cap: Decimal) -> dict:
    """Each scored indicator's points, unrounded: min(value / benchmark, cap) × weight."""
    out = {}
    for key in INDICATORS:
        value, base = values.get(key), bench.get(key)
        if key not in weights or not base:
            continue
        out[key] = Decimal(0) if value is None else min(value / base, cap) * _weight(weights, key)
    return out


def _weight(weights: dict, key: str) -> Decimal:
    return Decimal(str(weights[key]))


def score(values: dict, bench: dict, weights: dict, cap: Decimal) -> Decimal:
    total = sum(contributions(values, bench, weights, cap).values(), Decimal(0))
    return total.quantize(CENT, ROUND_HALF_UP)


def weights_for(industry_code: str, weights: dict, sector_rules: dict) -> dict:
    """The weights an enterprise is scored with: the scheme's, with those of the sector rule
    whose industry-code prefix (GB/T 4754) is the longest match laid over them; a weight of 0
    leaves an indicator out (a service enterprise has no energy-intensity indicator, say)."""
    code = industry_code or ""
    matches = [p for p in sector_rules if code.startswith(p)]
    if not matches:
        return weights
    override = sector_rules[max(matches, key=len)].get("weights", {})
    merged = {**weights, **override}
    return {k: v for k, v in merged.items() if Decimal(str(v))}


def classes(scores: dict[int, Decimal], cutoffs: dict) -> dict[int, tuple[int, str]]:
    """{enterprise: (rank, class)}: rank 1 the highest score (ties share the lower id's
    order), class the first whose cut-off percent the rank reaches no further than."""
    ranked = sorted(scores, key=lambda eid: (-scores[eid], eid))
    n = len(ranked)
    bounds = sorted(((Decimal(str(p)), c) for c, p in cutoffs.items()), key=lambda b: b[0])
    out = {}
    for rank, eid in enumerate(ranked, start=1):
        share = Decimal(rank * 100) / n
        out[eid] = (rank, next((c for p, c in bounds if share <= p), "D"))
    return out


def evaluate(
    rows: list[Inputs], weights: dict, cutoffs: dict, cap: Decimal, sector_rules: dict | None = None
) -> dict[int, dict]:
    bench = benchmarks(rows)
    values = {r.enterprise_id: indicators(r) for r in rows}
    own = {r.enterprise_id: weights_for(r.industry_code, weights, sector_rules or {}) for r in rows}
    points = {eid: contributions(v, bench, own[eid], cap) for eid, v in values.items()}
    scores = {eid: sum(p.values(), Decimal(0)).quantize(CENT, ROUND_HALF_UP)
              for eid, p in points.items()}  # fmt: skip
    ranks = classes(scores, cutoffs)
    out = {
        eid: {"values": values[eid], "score": scores[eid], "rank": ranks[eid][0],
              "class": ranks[eid][1], "of": len(rows), "benchmarks": bench,
              "weights": own[eid]}
        for eid in values
    }  # fmt: skip
    for eid in out:
        out[eid]["moves_up"] = moves_up(eid, out, points[eid], cutoffs, cap)
    return out


HALF_CENT = Decimal("0.005")


def _target(klass: str, cutoffs: dict) -> str | None:
    """The class above `klass` (A has none)."""
    order = [c for c, _p in sorted(cutoffs.items(), key=lambda b: Decimal(str(b[1])))] + ["D"]
    at = order.index(klass) if klass in order else len(order) - 1
    return order[at - 1] if at > 0 else None


def moves_up(eid: int, results: dict, points: dict, cutoffs: dict, cap: Decimal) -> dict:
    """What lifts an enterprise one class, indicator by indicator, the others' scores and the
    park's benchmarks as they are: the class above needs rank ≤ ⌊cut-off × n / 100⌋, so the
    score of the enterprise now at that place among the others (plus a cent when the tie goes
    to it, the lower id ranking first), and one indicator alone must add the points missing,
    within its cap. {"target": class or None, "needed": score, "indicators": {key: value
    needed or None when that indicator alone cannot}}."""
    me = results[eid]
    target = _target(me["class"], cutoffs)
    if target is None:
        return {"target": None, "needed": None, "indicators": {}}
    place = int(Decimal(str(cutoffs[target])) * me["of"] / 100)  # the last rank of `target`
    others = sorted((e for e in results if e != eid),
                    key=lambda e: (-results[e]["score"], e))  # fmt: skip
    if place < 1:
        return {"target": target, "needed": None, "indicators": {}}
    ahead = others[place - 1]
    needed = results[ahead]["score"] + (0 if eid < ahead else CENT)
    missing = needed - HALF_CENT - sum(points.values(), Decimal(0))  # rounds up to `needed`
    weights, bench = me["weights"], me["benchmarks"]
    out = {}
    for key, have in points.items():
        want = have + missing
        weight = _weight(weights, key)
        out[key] = None if want > cap * weight else want / weight * bench[key]
    return {"target": target, "needed": needed, "indicators": out}
