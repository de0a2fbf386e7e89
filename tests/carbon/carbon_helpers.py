"""The factor catalogue the golden tests use, each value with the document it comes from, and
a helper that feeds readings through energy intake and the rollup stage."""

from datetime import date

from parkpilot.carbon import services
from parkpilot.energy.ingest.core import ingest_items
from parkpilot.energy.rollups import rollup_pending
from parkpilot.tenancy.actors import system_actor

# (carrier, quantity, region, year, value, unit, document)
FACTORS_2022 = [
    # 生态环境部、国家统计局《关于发布2022年电力二氧化碳排放因子的公告》(2024-12-20):
    # 华东区域电网 0.5617 and 全国电力平均 0.5366 kgCO2/kWh (confirmed: two reposts of the
    # notice, e.g. 新京报 2024-12-27 listing 华东 0.5617 and 全国 0.5366).
    ("electricity", "co2", "east_china", 2022, "0.5617", "kgCO2/kWh",
     "《关于发布2022年电力二氧化碳排放因子的公告》生态环境部 国家统计局 2024-12-20"),
    ("electricity", "co2", "national", 2022, "0.5366", "kgCO2/kWh",
     "《关于发布2022年电力二氧化碳排放因子的公告》生态环境部 国家统计局 2024-12-20"),
    # GB/T 2589-2020 《综合能耗计算通则》, electricity 当量值 0.1229 kgce/kWh.
    ("electricity", "tce", "national", 2022, "0.1229", "kgce/kWh",
     "GB/T 2589-2020《综合能耗计算通则》电力当量值"),
    # GB/T 32150-2015 defaults: 389.31 GJ/10⁴Nm³ × 15.3 tC/TJ × 99% × 44/12 = 21.62 tCO2/10⁴Nm³.
    ("natural_gas", "co2", "national", 2022, "21.62", "tCO2/10^4Nm3",
     "GB/T 32150-2015《工业企业温室气体排放核算和报告通则》缺省值（氧化率99%）"),
    # GB/T 2589-2020: natural gas 1.1000-1.3300 kgce/m³; 1.2143 is the common choice.
    ("natural_gas", "tce", "national", 2022, "1.2143", "kgce/m3",
     "GB/T 2589-2020《综合能耗计算通则》天然气（1.1000-1.3300取1.2143）"),
    # Purchased heat 0.11 tCO2/GJ (sector accounting guidelines' default).
    ("heat", "co2", "national", 2022, "0.11", "tCO2/GJ",
     "《工业其他行业企业温室气体排放核算方法与报告指南（试行）》热力缺省值"),
    # GB/T 2589-2020: heat 0.03412 kgce/MJ (= 1 / 29.3076 MJ per kgce).
    ("heat", "tce", "national", 2022, "0.03412", "kgce/MJ",
     "GB/T 2589-2020《综合能耗计算通则》热力"),
]  # fmt: skip


def load_factors(park, year: int = 2022, skip: set = frozenset()):
    rows = []
    for carrier, quantity, region, _y, value, unit, document in FACTORS_2022:
        if (carrier, quantity, region) in skip:
            continue
        rows.append(
            services.factor_create(
                actor=system_actor(park),
                via="test",
                park=park,
                carrier=carrier,
                quantity=quantity,
                region=region,
                year=year,
                value=value,
                unit=unit,
                document=document,
                effective_from=date(2024, 12, 20),
            )
        )
    return rows


def feed(park, series: dict[str, list[float]], *, day="2022-03-15", start_hour=10):
    """Cumulative readings every 15 minutes from `start_hour` local: {code: [values]}."""
    items = []
    for code, values in series.items():
        for i, v in enumerate(values):
            minute = start_hour * 60 + 15 * i
            ts = f"{day}T{minute // 60:02d}:{minute % 60:02d}:00+08:00"
            items.append({"point": code, "ts": ts, "value": v})
    result = ingest_items(park_id=park.id, items=items, source="direct")
    assert not result.rejected, result.rejected
    rollup_pending()
    return result


def ramp(total: float, steps: int = 4, start: float = 0.0) -> list[float]:
    """A counter rising by `total` over `steps` intervals (steps + 1 readings)."""
    return [start + total * i / steps for i in range(steps + 1)]
