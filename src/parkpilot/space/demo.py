"""The demo's land and space, from the seeds' figures (/work/shared/seed-facts.yaml and the
issue's reading of the 2020 yearbook): 硬科技TOD 1,800 亩, 新智造产业园 1,800 亩, 工创园's
工业上楼 factory, and the 2020 land work (74.13 ha 批而未供 absorbed, 78 ha requisitioned,
46.7 ha of village reserved land). Parcel codes, dates, buildings, units, leases, emissions and
the evaluation scheme are not published: every row is marked demo (演示数据)."""

from datetime import date
from decimal import Decimal

from parkpilot.economy.models import EnterpriseMonthly
from parkpilot.space import demo_ladder, services
from parkpilot.space.models import Emissions, MujunScheme, Parcel, SchemeBasis
from parkpilot.tenancy.actors import system_actor
from parkpilot.tenancy.models import Enterprise, Zone

M2_PER_MU = Decimal(10000) / Decimal(15)
# code, name, zone, kind, use, area m², planned FAR, steps [(status, day)]
PARCELS = [
    ("330112001001GB00001", "硬科技TOD", "tod", "supply", "mixed", 1800 * M2_PER_MU, "2.50",
     [("approved", date(2019, 6, 1)), ("supplied", date(2020, 9, 1))]),
    ("330112001002GB00001", "工创园一期（工业上楼）", "gongchuang", "supply", "industrial",
     Decimal("40000"), "3.00",
     [("approved", date(2019, 3, 1)), ("supplied", date(2019, 8, 1)),
      ("started", date(2019, 10, 8)), ("completed", date(2021, 12, 20)),
      ("operating", date(2022, 3, 1))]),
    ("330112001003GB00001", "新智造产业园", "xinzhizao", "supply", "industrial",
     1800 * M2_PER_MU, "1.80",
     [("approved", date(2020, 1, 10)), ("supplied", date(2020, 5, 1)),
      ("started", date(2020, 7, 1))]),
    ("330112002001GB00001", "2020年消化批而未供土地", None, "supply", "industrial",
     Decimal("741300"), None, [("approved", date(2018, 12, 1)), ("supplied", date(2020, 12, 1))]),
    ("330112002002JA00001", "2020年征收土地", None, "requisition", "industrial",
     Decimal("780000"), None, [("approved", date(2020, 4, 1))]),
    ("330112002003JB00001", "村级留用地置换", None, "village_reserved", "industrial",
     Decimal("467000"), None, [("approved", date(2020, 6, 1))]),
]  # fmt: skip
TENANTS = ["杭叉集团股份有限公司", "浙江南都电源动力股份有限公司"]


def load(*, park, data, report) -> None:
    keeper = system_actor(park, "space.demo")
    demo_ladder.load(keeper, park)
    if Parcel.objects.filter(park=park).exists():
        return
    zones = {z.code: z for z in Zone.objects.filter(park=park)}
    parcels = {}
    for code, name, zone, kind, use, area, far, steps in PARCELS:
        z = zones.get(zone)
        parcel = services.parcel_create(
            actor=keeper, via="demo", park=park, code=code, name=name, kind=kind, use=use,
            area_m2=area.quantize(Decimal("0.01")), planned_far=far, zone=z,
            outline=z.outline if z and z.outline else None, demo=True,
        )  # fmt: skip
        for status, day in steps:
            services.parcel_step(actor=keeper, via="demo", parcel=parcel, status=status, on=day)
        parcels[zone or code] = parcel
    _factory(keeper, park, parcels["gongchuang"])
    _evaluation(park)


def _factory(keeper, park, parcel) -> None:
    """工创园's high floor-area factory: 8 floors of 6,000 m², 4 units a floor; the demo's
    enterprises lease some of them."""
    building = services.building_create(
        actor=keeper, via="demo", parcel=parcel, name="工创园1号厂房",
        floors=[(n, "6000") for n in range(1, 9)], demo=True,
    )  # fmt: skip
    tenants = list(Enterprise.objects.filter(park=park, name__in=TENANTS).order_by("name"))
    for floor in building.floors.order_by("number"):
        for i in range(1, 5):
            unit = services.unit_create(actor=keeper, via="demo", floor=floor,
                                        code=f"{floor.number}0{i}", area_m2="1500")  # fmt: skip
            if tenants and floor.number <= 5 and (floor.number + i) % 3:
                tenant = tenants[(floor.number + i) % len(tenants)]
                services.lease_create(actor=keeper, via="demo", unit=unit, enterprise=tenant,
                                      start=date(2022, 3, 1), demo=True)  # fmt: skip


def _evaluation(park) -> None:
    """A scheme for the latest year with economy figures, and demo emissions for the
    enterprises on land."""
    year = (
        EnterpriseMonthly.objects.filter(park=park).order_by("-year").values_list("year", flat=True)
    ).first()
    if year is None:
        return
    MujunScheme.objects.create(
        park=park, year=year, demo=True, cap=2, basis=SchemeBasis.PROVINCE,
        # services (信息传输、软件和信息技术服务业, GB/T 4754 I) are not scored on energy and
        # pollutants; their points go to R&D and productivity (an invented rule, 演示数据)
        sector_rules={"I": {"weights": {"va_per_tce": 0, "va_per_pollutant_t": 0,
                                        "rnd_pct": 25, "va_per_employee": 15}}},
        document="演示方案，参照《浙江省人民政府关于深化“亩均论英雄”改革的指导意见》（浙政发〔2018〕5号）",
        weights={"tax_per_mu": 40, "va_per_mu": 20, "va_per_tce": 15, "va_per_pollutant_t": 10,
                 "rnd_pct": 10, "va_per_employee": 5},
        cutoffs={"A": 20, "B": 70, "C": 95},
    )  # fmt: skip
    for i, ent in enumerate(
        Enterprise.objects.filter(park=park, name__in=TENANTS).order_by("name")
    ):
        t = Decimal(i + 1)
        Emissions.objects.create(
            park=park, enterprise=ent, year=year, cod_t=t * 2, nh3n_t=t / 5, so2_t=t,
            nox_t=t * 3, source="演示数据", demo=True,
        )  # fmt: skip
