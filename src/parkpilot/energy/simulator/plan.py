"""The demo park's 1,421 metering points (the number the 2022 report gives for the zero-carbon
park), planned from the demo enterprises: the same input always gives the same plan.

Per enterprise: a main electricity meter with sub-meters under it (parent), natural gas and
steam where the industry burns them, water; the first manufacturers own a rooftop PV array.
The park's public loads (no owner): the other rooftop PV arrays with export meters, storage
charge and discharge, EV chargers, street-light circuits. Sizes
are invented from each enterprise's demo head count and industry; everything is demo data."""

import math
from dataclasses import dataclass

from parkpilot.energy import steam
from parkpilot.energy.kinds import EnergyKind
from parkpilot.energy.simulator.profiles import WORKDAY, unit_hash

TOTAL_POINTS = 1421
POINTS_PER_GATEWAY = 95  # ~100 per gateway: 15 demo gateways
INTERVAL_S = 900  # the meters' reporting interval (15 minutes, as the monitoring rules ask)

PUBLIC_COUNTS = {"pv": 60, "export": 4, "storage": 6, "ev": 240, "lights": 150}
# kW of electricity per employee (mean), and the load shape, by GB/T 4754 industry code.
_ELECTRIC_KW = {"C26": 4.0, "C22": 4.0, "C39": 3.5, "C29": 3.0, "C34": 2.5, "C38": 2.5}
_ELECTRIC_KW |= {"C40": 1.5, "C35": 1.5, "I65": 0.8, "D44": 20.0}
_CONTINUOUS = {"C26", "C22", "C39", "D44"}
_STEAM = {"C26", "C22", "C39", "C29"}
# The demo's steam: saturated vapour at 1.0 MPa absolute, feed water at 20 °C (IAPWS-IF97:
# h'' 2777.1 − h' 83.9 kJ/kg = 2.693 GJ/t; energy/steam.py).
STEAM_CONDITION = steam.SteamCondition(pressure_mpa=1.0, absolute=True)
STEAM_ENTHALPY_GJ_PER_T = round(steam.enthalpy(STEAM_CONDITION).net_gj_per_t, 6)


@dataclass(frozen=True)
class PointSpec:
    code: str
    name: str
    owner: str | None  # enterprise name; None: the park's public loads
    zone: str | None
    building: str
    kind: str
    unit: str
    register: str
    multiplier: float
    rollover: float | None
    rated_max_per_h: float
    parent: str | None
    enthalpy_gj_per_t: float | None
    gateway: str
    shape: str
    mean_per_h: float  # mean flow on a workday, canonical unit per hour, multiplier applied
    seed: int
    offset: float  # the counter's reading at the origin (meter units)
    steam_pressure_mpa: float | None = None  # steam points: the condition of STEAM_CONDITION
    steam_pressure_absolute: bool = False

    @property
    def cumulative(self) -> bool:
        return self.register == "cumulative"


def gateway_name(index: int) -> str:
    return f"demo-gw-{index + 1:02d}"


def _peak(shape: str) -> float:
    if shape in ("solar", "export"):
        return 4.0 * (0.12 if shape == "export" else 1.0)
    if shape == "lights":
        return 1.0
    return max(WORKDAY[shape])


def _multiplier(mean_kw: float) -> float:
    # CT ratio (÷5 A secondary) for big feeders; small ones are metered directly.
    for limit, ratio in ((5000, 200.0), (1000, 80.0), (200, 40.0), (50, 10.0)):
        if mean_kw > limit:
            return ratio
    return 1.0


def _largest_remainder(total: int, weights: list[float], minimum: int) -> list[int]:
    spare = total - minimum * len(weights)
    shares = [w / sum(weights) * spare for w in weights]
    counts = [minimum + math.floor(s) for s in shares]
    order = sorted(
        range(len(weights)), key=lambda i: shares[i] - math.floor(shares[i]), reverse=True
    )
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _has_gas(e: dict) -> bool:
    return (e.get("industry") or "").startswith("C")


def _has_steam(e: dict) -> bool:
    industry = e.get("industry") or ""
    return industry in _STEAM or (industry == "C34" and "氧" in e["name"])  # air separation


def build_plan(enterprises: list[dict]) -> list[PointSpec]:
    """enterprises: [{"name", "short_name", "zone", "industry", "employees"}] in YAML order."""
    rows: list[dict] = []
    zones = sorted({e["zone"] for e in enterprises if e.get("zone")})
    fixed = 0
    for e in enterprises:
        fixed += 2 + _has_gas(e) + _has_steam(e)
    fixed += sum(PUBLIC_COUNTS.values()) + PUBLIC_COUNTS["storage"]  # storage: 2 points each
    weights = [float(e.get("employees") or 100) for e in enterprises]
    sub_counts = _largest_remainder(TOTAL_POINTS - fixed, weights, 2)

    for n, (e, subs) in enumerate(zip(enterprises, sub_counts, strict=True), start=1):
        rows += _enterprise_rows(n, e, subs)
    rows += _own_pv(_public_rows(zones), enterprises)
    plan = []
    for index, row in enumerate(rows):
        seed = index + 1
        meter_units = row["mean_per_h"] / row["multiplier"]
        rollover = row["rollover"]
        # Each counter starts somewhere in its range; some roll over during the demo's history.
        offset = unit_hash(seed, 99) * (rollover or meter_units * 24 * 365)
        plan.append(
            PointSpec(
                **row,
                gateway=gateway_name(index // POINTS_PER_GATEWAY),
                seed=seed,
                offset=round(offset, 2),
            )
        )
    assert len(plan) == TOTAL_POINTS, len(plan)
    return plan


def _row(
    code,
    name,
    owner,
    zone,
    building,
    kind,
    unit,
    shape,
    mean,
    *,
    register="cumulative",
    multiplier=1.0,
    rollover=None,
    parent=None,
    enthalpy=None,
    rated=None,
):
    rated = rated or round(_peak(shape) * mean * 1.1 * 1.5, 1)
    return {
        "code": code,
        "name": name,
        "owner": owner,
        "zone": zone,
        "building": building,
        "kind": kind,
        "unit": unit,
        "register": register,
        "multiplier": multiplier,
        "rollover": rollover,
        "rated_max_per_h": max(rated, 1.0),
        "parent": parent,
        "enthalpy_gj_per_t": enthalpy,
        "steam_pressure_mpa": STEAM_CONDITION.pressure_mpa if enthalpy else None,
        "steam_pressure_absolute": STEAM_CONDITION.absolute if enthalpy else False,
        "shape": shape,
        "mean_per_h": mean,
    }


def _enterprise_rows(n: int, e: dict, subs: int) -> list[dict]:
    industry = e.get("industry") or ""
    employees = float(e.get("employees") or 100)
    owner, zone, short = e["name"], e.get("zone"), e.get("short_name") or e["name"]
    shape = (
        "continuous" if industry in _CONTINUOUS else "office" if industry == "I65" else "factory"
    )
    building = f"E{n:02d}-1"
    mean_kw = employees * _ELECTRIC_KW.get(industry, 2.0)
    main = f"E{n:02d}-EL"
    rows = [
        _row(
            main,
            f"{short} 总进线",
            owner,
            zone,
            building,
            EnergyKind.GRID_IMPORT,
            "kWh",
            shape,
            mean_kw,
            multiplier=_multiplier(mean_kw),
            rollover=1e6,
        ),
    ]
    # Sub-meters share 95% of the main meter's load (the rest: losses, common areas).
    weights = [0.5 + unit_hash(n, i, 3) for i in range(subs)]
    for i, w in enumerate(weights, start=1):
        mean = mean_kw * 0.95 * w / sum(weights)
        rows.append(
            _row(
                f"{main}-{i:03d}",
                f"{short} 分表 {i:03d}",
                owner,
                zone,
                f"E{n:02d}-{1 + (i - 1) % 4}",
                EnergyKind.GRID_IMPORT,
                "kWh",
                shape,
                mean,
                multiplier=_multiplier(mean),
                rollover=1e6,
                parent=main,
            )
        )
    if _has_gas(e):
        rows.append(
            _row(
                f"E{n:02d}-GAS",
                f"{short} 天然气",
                owner,
                zone,
                building,
                EnergyKind.NATURAL_GAS,
                "m3",
                shape,
                employees * 0.05,
                rollover=1e7,
            )
        )
    if _has_steam(e):
        rows.append(
            _row(
                f"E{n:02d}-STM",
                f"{short} 蒸汽",
                owner,
                zone,
                building,
                EnergyKind.STEAM,
                "t",
                "continuous",
                employees * 0.004,
                rollover=1e6,
                enthalpy=STEAM_ENTHALPY_GJ_PER_T,
            )
        )
    rows.append(
        _row(
            f"E{n:02d}-WAT",
            f"{short} 用水",
            owner,
            zone,
            building,
            EnergyKind.WATER,
            "m3",
            shape,
            employees * 0.02,
            rollover=1e5,
        )
    )
    return rows


OWN_PV = 12  # the first rooftop arrays belong to the first manufacturers (behind their meters)


def _own_pv(rows: list[dict], enterprises: list[dict]) -> list[dict]:
    """Hand the first OWN_PV rooftop arrays to manufacturers: their PV counts against their
    own grid purchase, not the park's public loads."""
    makers = [e for e in enterprises if (e.get("industry") or "").startswith("C")][:OWN_PV]
    for i, e in enumerate(makers, start=1):
        row = next(r for r in rows if r["code"] == f"PV-{i:03d}")
        short = e.get("short_name") or e["name"]
        row |= {"owner": e["name"], "zone": e.get("zone"),
                "name": f"{short} {row['name'].replace('屋顶光伏', '自有屋顶光伏')}"}  # fmt: skip
    # The park's export meters export only what the park's own arrays make.
    pv = [r for r in rows if r["kind"] == EnergyKind.PV_GENERATION]
    public_share = sum(r["mean_per_h"] for r in pv if r["owner"] is None) / sum(
        r["mean_per_h"] for r in pv
    )
    for r in rows:
        if r["kind"] == EnergyKind.GRID_EXPORT:
            r["mean_per_h"] *= public_share
    return rows


def _public_rows(zones: list[str]) -> list[dict]:
    rows = []
    pv_total = 0.0
    for i in range(1, PUBLIC_COUNTS["pv"] + 1):
        kwp = 200 + round(unit_hash(i, 11) * 1300)
        zone = zones[i % len(zones)]
        pv_total += kwp / 4
        rows.append(
            _row(
                f"PV-{i:03d}",
                f"屋顶光伏 {i:03d}（{kwp} kWp）",
                None,
                zone,
                f"{zone}-R{i}",
                EnergyKind.PV_GENERATION,
                "kWh",
                "solar",
                kwp / 4,
                multiplier=_multiplier(kwp / 4),
                rollover=1e6,
            )
        )
    for i in range(1, PUBLIC_COUNTS["export"] + 1):
        zone = zones[i % len(zones)]
        rows.append(
            _row(
                f"GX-{i:02d}",
                f"上网电量 {i:02d}",
                None,
                zone,
                f"{zone}-S",
                EnergyKind.GRID_EXPORT,
                "kWh",
                "export",
                pv_total / PUBLIC_COUNTS["export"],
                multiplier=80.0,
                rollover=1e6,
            )
        )
    for i in range(1, PUBLIC_COUNTS["storage"] + 1):
        zone = zones[i % len(zones)]
        for suffix, kind, shape, mean, label in (
            ("C", EnergyKind.STORAGE_CHARGE, "charge", 357.0, "充电"),
            ("D", EnergyKind.STORAGE_DISCHARGE, "discharge", 417.0, "放电"),
        ):
            rows.append(
                _row(
                    f"ESS-{i:02d}-{suffix}",
                    f"储能 {i:02d} {label}（1 MW / 2 MWh）",
                    None,
                    zone,
                    f"{zone}-ESS",
                    kind,
                    "kWh",
                    shape,
                    mean,
                    multiplier=40.0,
                    rollover=1e6,
                )
            )
    for i in range(1, PUBLIC_COUNTS["ev"] + 1):
        rated = 60.0 if i % 4 == 0 else 7.0  # one DC fast charger in four
        zone = zones[i % len(zones)]
        rows.append(
            _row(
                f"EV-{i:03d}",
                f"充电桩 {i:03d}（{rated:g} kW）",
                None,
                zone,
                f"{zone}-P",
                EnergyKind.EV_CHARGING,
                "kWh",
                "ev",
                rated * 0.15,
                register="interval",
                rated=rated,
            )
        )
    for i in range(1, PUBLIC_COUNTS["lights"] + 1):
        kw = 4 + round(unit_hash(i, 13) * 10, 1)
        zone = zones[i % len(zones)]
        rows.append(
            _row(
                f"SL-{i:03d}",
                f"路灯回路 {i:03d}",
                None,
                zone,
                f"{zone}-L",
                EnergyKind.STREET_LIGHTING,
                "kWh",
                "lights",
                kw,
                rollover=1e6,
            )
        )
    return rows
