"""The demo park's 1,421 metering points and their 15 gateways (all demo data), idempotent.

1,421 is the number of metering points the 2022 report gives for the zero-carbon park; which
points they are, their sizes and their gateways are invented (simulator/plan.py). The points
are written in bulk (a few queries for all of them), so the demo stays quick to load."""

from parkpilot.demo.services import LoadReport
from parkpilot.energy.assignments import assignments_sync
from parkpilot.energy.models import MeteringPoint
from parkpilot.energy.registry import registry

# The meters report every 15 minutes (INTERVAL_S); the live simulator may send more often.
from parkpilot.energy.simulator.plan import INTERVAL_S, PointSpec, build_plan
from parkpilot.tenancy.models import Enterprise, Park, Role, User, Zone

_FIELDS = (
    "name",
    "owner_id",
    "zone_id",
    "building",
    "kind",
    "unit",
    "register",
    "multiplier",
    "rollover",
    "rated_max_per_h",
    "interval_s",
    "gateway_id",
    "enthalpy_gj_per_t",
    "steam_pressure_mpa",
    "steam_pressure_absolute",
    "is_demo",
    "active",
)


def plan_for(data: dict) -> list[PointSpec]:
    enterprises = [
        {
            "name": e["name"],
            "short_name": e.get("short_name"),
            "zone": e.get("zone") or (e.get("demo") or {}).get("zone"),
            "industry": (e.get("demo") or {}).get("industry"),
            "employees": (e.get("demo") or {}).get("employees"),
        }
        for e in data["enterprises"]
    ]
    return build_plan(enterprises)


def load(*, park: Park, data: dict, report: LoadReport) -> None:
    plan = plan_for(data)
    gateways = _gateways(park, sorted({p.gateway for p in plan}), report)
    enterprises = dict(Enterprise.objects.filter(park=park).values_list("name", "id"))
    zones = dict(Zone.objects.filter(park=park).values_list("code", "id"))
    existing = {p.code: p for p in MeteringPoint.objects.filter(park=park)}
    wanted = {}
    for spec in plan:
        wanted[spec.code] = {
            "name": spec.name,
            "owner_id": enterprises[spec.owner] if spec.owner else None,
            "zone_id": zones.get(spec.zone),
            "building": spec.building,
            "kind": spec.kind,
            "unit": spec.unit,
            "register": spec.register,
            "multiplier": spec.multiplier,
            "rollover": spec.rollover,
            "rated_max_per_h": spec.rated_max_per_h,
            "interval_s": INTERVAL_S,
            "gateway_id": gateways[spec.gateway],
            "enthalpy_gj_per_t": spec.enthalpy_gj_per_t,
            "steam_pressure_mpa": spec.steam_pressure_mpa,
            "steam_pressure_absolute": spec.steam_pressure_absolute,
            "is_demo": True,
            "active": True,
        }
    new = [MeteringPoint(park=park, code=c, **v) for c, v in wanted.items() if c not in existing]
    MeteringPoint.objects.bulk_create(new, batch_size=500)
    if new:
        report.created["metering_point"] = report.created.get("metering_point", 0) + len(new)
    changed = []
    for code, values in wanted.items():
        point = existing.get(code)
        if point is None:
            continue
        diff = [k for k in _FIELDS if getattr(point, k) != values[k]]
        if diff:
            for k in diff:
                setattr(point, k, values[k])
            changed.append(point)
    if changed:
        MeteringPoint.objects.bulk_update(changed, list(_FIELDS), batch_size=500)
        report.updated["metering_point"] = report.updated.get("metering_point", 0) + len(changed)
    _link_parents(park, plan, report)
    if new or changed:
        assignments_sync(MeteringPoint.objects.filter(park=park).values_list("pk", flat=True))
        registry.invalidate()


def _link_parents(park: Park, plan: list[PointSpec], report: LoadReport) -> None:
    ids = dict(MeteringPoint.objects.filter(park=park).values_list("code", "id"))
    current = dict(MeteringPoint.objects.filter(park=park).values_list("code", "parent_id"))
    stale = [
        MeteringPoint(id=ids[p.code], parent_id=ids[p.parent] if p.parent else None)
        for p in plan
        if current[p.code] != (ids[p.parent] if p.parent else None)
    ]
    if stale:
        MeteringPoint.objects.bulk_update(stale, ["parent_id"], batch_size=500)


def _gateways(park: Park, names: list[str], report: LoadReport) -> dict[str, int]:
    existing = {u.username: u for u in User.objects.filter(username__in=names)}
    ids = {}
    for name in names:
        label = f"演示计量网关 {name[-2:]}（演示数据）"
        user = existing.get(name)
        if user is None:
            user = User(username=name, role=Role.GATEWAY, park=park, display_name=label)
            user.set_unusable_password()  # machines sign in with tokens or MQTT logins
            user.save()
            report.count("user", created=True, changed=True)
        elif (user.role, user.park_id, user.display_name) != (Role.GATEWAY, park.pk, label):
            user.role, user.park, user.display_name = Role.GATEWAY, park, label
            user.save(update_fields=["role", "park", "display_name"])
            report.count("user", created=False, changed=True)
        ids[name] = user.pk
    return ids
