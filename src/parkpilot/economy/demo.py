"""Demo monthly statistics for the Qingshanhu park, invented (every row is marked demo data) so
that the park indicators computed from them reproduce the published figures exactly:

  2020 (source 001): 规上工业增加值 85.6 亿元 +17.1%; 高新技术产业增加值 73.6 亿元 +21.3%,
      share 86%; 高端装备制造业增加值 48.1 亿元 +33.3%.
  2022 Jan-Aug (source 000): 规上工业总产值 454.4 亿元 +8.5%; 规上工业增加值 90.8 亿元 +35.3%.

The published targets are read from demo/data/qingshanhu.yaml (published_figures); how they
split between enterprises and months is invented below. Rows cover 2019-2021 in full and 2022
to August, so each growth has its prior period; from 2022-09 to the current month (the months
the demo's meters cover) each enterprise continues its 2022 Jan-Aug run rate by season,
growing 5% a year (invented), so every metered month has value added and the four carbon
indicators show. Everything is integer arithmetic in 0.01 万元
with largest-remainder splits, so the sums are exact and the loader is deterministic."""

from decimal import Decimal
from fractions import Fraction

from django.utils import timezone

from parkpilot.economy.models import EconomyProfile, EnterpriseMonthly
from parkpilot.tenancy.models import Enterprise

CENTS_PER_YI = 10000 * 100  # 1 亿元 in 0.01 万元

# Classification for the indicators (invented): a = high-tech and high-end equipment,
# b = high-tech only, c = high-end equipment only, d = neither.
GROUPS = {
    "a": [
        "杭叉集团股份有限公司",
        "杭州制氧机集团股份有限公司",
        "西子电梯科技有限公司",
        "浙江南都电源动力股份有限公司",
        "聚光科技（杭州）股份有限公司",
        "杭州谱育科技发展有限公司",
        "杭州华立科技有限公司",
        "浙江西子富沃德电机有限公司",
    ],
    "b": [
        "浙江万马股份有限公司",
        "浙江华正新材料股份有限公司",
        "浙江华正能源材料有限公司",
        "浙江万马高分子材料集团有限公司",
        "福斯特",
    ],
    "c": ["鸿雁电器"],
    "d": [
        "杭州华旺新材料科技股份有限公司",
        "浙江华德新材料有限公司",
        "杭州环申包装新材料股份有限公司",
        "杭州临安绿能环保发电有限公司",
    ],
}
# Entered the park's statistics in 2020: counted in 2020's totals, not in its growth.
NEW_IN_2020 = "浙江华德新材料有限公司"
NEW_IN_2020_VA_2020 = Fraction("0.6")  # 亿元
# Report monthly but are not 规上 industry, so no indicator counts them (software; below scale).
OTHERS = ["浙江众合科技股份有限公司", "杭州谱聚医疗科技有限公司"]

# Value added by group, 亿元 (invented splits of the published totals).
VA_2020 = {
    "a": Fraction("46.1"),
    "b": Fraction("27.5"),
    "c": Fraction("2.0"),
    "d": Fraction("10.0"),
}
VA_2022 = {
    "a": Fraction("52.0"),
    "b": Fraction("26.5"),
    "c": Fraction("2.3"),
    "d": Fraction("10.0"),
}
# Invented growth of the groups the documents do not pin (2020: c; 2022 Jan-Aug: b, c, d).
GROWTH_2020_C = Fraction("1.10")
GROWTH_2022 = {"b": Fraction("1.35"), "c": Fraction("1.30"), "d": Fraction("1.25")}
# Value added as a share of output (增加值率), invented per year.
VA_RATE = {2019: Fraction("0.15"), 2020: Fraction("0.155")}
SEP_DEC_2021 = Fraction("0.55")  # Sep-Dec 2021 relative to Jan-Aug 2021
# Spring Festival in February, a strong December: invented month weights.
SEASON = [90, 60, 105, 100, 100, 110, 95, 95, 105, 95, 110, 135]


def split(total: int, weights: list[int]) -> list[int]:
    """Largest-remainder split of an integer total: parts sum to it exactly."""
    whole = sum(weights)
    quotas = [Fraction(total * w, whole) for w in weights]
    parts = [int(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def cents(yi: Fraction) -> int:
    return round(yi * CENTS_PER_YI)


def _weight(employees: int, name: str, year: int) -> int:
    # A fixed, name-derived wobble per year, so each enterprise grows at its own pace.
    wobble = sum(ord(ch) for ch in name) * (year - 2017) % 41 - 20  # -20..20 %
    return employees * (100 + wobble)


def plan(
    employees: dict[str, int], figs: dict[str, Fraction]
) -> dict[tuple[str, int], dict[str, int]]:
    """Yearly-block totals per enterprise in 0.01 万元: {(name, block): {"va", "out"}}, where
    block is 2019, 2020, 20211 (2021 Jan-Aug), 20212 (2021 Sep-Dec) or 2022 (Jan-Aug)."""
    t = {}

    def share(group_total: int, names: list[str], year: int) -> dict[str, int]:
        parts = split(group_total, [_weight(employees[n], n, year) for n in names])
        return dict(zip(names, parts, strict=True))

    # 2020: the published totals; 2019: the comparable prior that gives the published growth.
    va20 = {g: cents(v) for g, v in VA_2020.items()}
    new20 = cents(NEW_IN_2020_VA_2020)
    comparable_total_20 = sum(va20.values()) - new20
    t19 = round(comparable_total_20 / (1 + figs["va_2020"] / 100))
    ht19 = round((va20["a"] + va20["b"]) / (1 + figs["ht_2020"] / 100))
    he19 = round((va20["a"] + va20["c"]) / (1 + figs["he_2020"] / 100))
    c19 = round(va20["c"] / GROWTH_2020_C)
    va19 = {"a": he19 - c19, "c": c19}
    va19["b"] = ht19 - va19["a"]
    va19["d"] = t19 - ht19 - c19
    # 2022 Jan-Aug and its prior, 2021 Jan-Aug.
    va22 = {g: cents(v) for g, v in VA_2022.items()}
    t21 = round(sum(va22.values()) / (1 + figs["va_2022"] / 100))
    va21 = {g: round(va22[g] / GROWTH_2022[g]) for g in ("b", "c", "d")}
    va21["a"] = t21 - sum(va21.values())
    out22_total = cents(figs["out_2022_value"])
    out21_total = round(out22_total / (1 + figs["out_2022"] / 100))

    for group, names in GROUPS.items():
        comparable = [n for n in names if n != NEW_IN_2020]
        for name, v in share(va19[group], comparable, 2019).items():
            t[(name, 2019)] = {"va": v}
        d20 = va20[group] - (new20 if NEW_IN_2020 in names else 0)
        for name, v in share(d20, comparable, 2020).items():
            t[(name, 2020)] = {"va": v}
        if NEW_IN_2020 in names:
            t[(NEW_IN_2020, 2020)] = {"va": new20}
        for name, v in share(va21[group], names, 2021).items():
            t[(name, 20211)] = {"va": v}
        for name, v in share(va22[group], names, 2022).items():
            t[(name, 2022)] = {"va": v}
    industrial = [n for names in GROUPS.values() for n in names]
    # Output: the Jan-Aug totals as published, split like value added at a per-enterprise rate.
    for block, total in ((2022, out22_total), (20211, out21_total)):
        names = [n for n in industrial if (n, block) in t]
        weights = [t[(n, block)]["va"] * (180 + _weight(1, n, block // 10) // 10) for n in names]
        for name, v in zip(names, split(total, weights), strict=True):
            t[(name, block)]["out"] = v
    for year in (2019, 2020):
        for name in industrial:
            if (name, year) in t:
                t[(name, year)]["out"] = round(t[(name, year)]["va"] / VA_RATE[year])
    for name in industrial:
        jan_aug = t[(name, 20211)]
        t[(name, 20212)] = {k: round(v * SEP_DEC_2021) for k, v in jan_aug.items()}
    # Not 规上 industry: small, invented, never part of an indicator.
    for i, name in enumerate(OTHERS):
        base = (i + 1) * 2_000_000  # in 0.01 万元: 2 亿元 of output a year, a quarter added
        for block, factor in ((2019, 1), (2020, 1.1), (20211, 0.8), (20212, 0.45), (2022, 0.95)):
            va = round(base * Fraction(str(factor)) / 4)
            t[(name, block)] = {"va": va, "out": va * 4}
    return t


BLOCK_MONTHS = {
    2019: (2019, range(1, 13)),
    2020: (2020, range(1, 13)),
    20211: (2021, range(1, 9)),
    20212: (2021, range(9, 13)),
    2022: (2022, range(1, 9)),
}


def published_targets(data: dict) -> dict[str, Fraction]:
    by_key = {(f["code"], str(f["period"])): f for f in data["published_figures"]}

    def growth(code, period):
        return Fraction(str(by_key[(code, period)]["growth_pct"]))

    return {
        "va_2020": growth("above_scale_industrial_added_value", "2020"),
        "ht_2020": growth("high_tech_added_value", "2020"),
        "he_2020": growth("high_end_equipment_added_value", "2020"),
        "va_2022": growth("above_scale_industrial_added_value", "2022-01/08"),
        "out_2022": growth("above_scale_industrial_output", "2022-01/08"),
        "out_2022_value": Fraction(
            str(by_key[("above_scale_industrial_output", "2022-01/08")]["value"])
        ),
        "va_2020_value": Fraction(
            str(by_key[("above_scale_industrial_added_value", "2020")]["value"])
        ),
        "va_2022_value": Fraction(
            str(by_key[("above_scale_industrial_added_value", "2022-01/08")]["value"])
        ),
    }


# After the published figures (2022-09 on, the months the demo's meters cover): each
# enterprise's 2022 Jan-Aug run rate, by season, growing by an invented rate per year.
LATER_FROM = (2022, 9)
LATER_GROWTH = Fraction("1.05")


def monthly_rows(
    employees: dict[str, int], figs: dict[str, Fraction], through: tuple[int, int] = LATER_FROM
) -> dict[tuple[str, int, int], dict]:
    """Every demo enterprise-month through `through` (year, month): {(name, year, month):
    field values}."""
    rows = {}
    totals_by_block = plan(employees, figs)
    for (name, block), totals in totals_by_block.items():
        year, months = BLOCK_MONTHS[block]
        weights = [SEASON[m - 1] for m in months]
        va = split(totals["va"], weights)
        out = split(totals["out"], weights)
        for i, month in enumerate(months):
            rows[(name, year, month)] = _fields(name, month, va[i], out[i], employees[name])
    jan_aug = sum(SEASON[:8])
    for year, month in _months(LATER_FROM, through):
        growth = LATER_GROWTH ** (year - 2022)
        for (name, block), totals in totals_by_block.items():
            if block != 2022:
                continue
            va, out = (
                round(totals[k] * SEASON[month - 1] * growth / jan_aug) for k in ("va", "out")
            )
            rows[(name, year, month)] = _fields(name, month, va, out, employees[name])
    return rows


def _months(first: tuple[int, int], last: tuple[int, int]):
    year, month = first
    while (year, month) <= last:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _fields(name: str, month: int, va: int, out: int, employees: int) -> dict:
    revenue = out * 105 // 100
    return {
        # The first of OTHERS reports no value added and output (an R&D firm without production).
        "output_value": None if name == OTHERS[0] else _wan(out),
        "value_added": None if name == OTHERS[0] else _wan(va),
        "revenue": _wan(revenue),
        "tax": _wan(revenue * 45 // 1000),
        "employees": employees + (month % 5) * employees // 200,
        "rnd_spending": _wan(revenue * 4 // 100),
        "energy_tce": (Decimal(out) / 100 * Decimal("0.05")).quantize(Decimal("0.001")),
    }


def _wan(value_cents: int) -> Decimal:
    return (Decimal(value_cents) / 100).quantize(Decimal("0.01"))


def load(*, park, data, report) -> None:
    from parkpilot.demo.services import upsert

    names = [n for group in GROUPS.values() for n in group] + OTHERS
    enterprises = {e.name: e for e in Enterprise.objects.filter(park=park, name__in=names)}
    if len(enterprises) != len(names):
        return  # a trimmed demo file: the figures could not add up, so load none
    for group, members in GROUPS.items():
        for name in members:
            upsert(
                report,
                "economy_profile",
                EconomyProfile,
                {"enterprise": enterprises[name]},
                {
                    "high_tech": group in ("a", "b"),
                    "high_end_equipment": group in ("a", "c"),
                    "is_demo": True,
                },
            )
    employees = {n: enterprises[n].employees or 100 for n in names}
    today = timezone.localdate()
    wanted = monthly_rows(employees, published_targets(data), (today.year, today.month))
    existing = {
        (m.enterprise_id, m.year, m.month): m
        for m in EnterpriseMonthly.objects.filter(park=park, enterprise__in=enterprises.values())
    }
    fields = list(next(iter(wanted.values())))
    to_create, to_update = [], []
    for (name, year, month), values in wanted.items():
        e = enterprises[name]
        row = existing.get((e.pk, year, month))
        if row is None:
            to_create.append(
                EnterpriseMonthly(
                    park=park,
                    enterprise=e,
                    year=year,
                    month=month,
                    source="demo",
                    is_demo=True,
                    **values,
                )
            )
        elif row.is_demo and any(getattr(row, k) != v for k, v in values.items()):
            # Rows a person has entered or imported since are theirs: never overwritten.
            for k, v in values.items():
                setattr(row, k, v)
            to_update.append(row)
    EnterpriseMonthly.objects.bulk_create(to_create, batch_size=500)
    EnterpriseMonthly.objects.bulk_update(to_update, fields, batch_size=500)
    for _ in to_create:
        report.count("economy_monthly", created=True, changed=True)
    for _ in to_update:
        report.count("economy_monthly", created=False, changed=True)
