"""Load the demo park (Qingshanhu) from demo/data/qingshanhu.yaml. Idempotent: rows are matched
on natural keys and only written when they differ, so a second load changes nothing."""

import datetime
import decimal
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from parkpilot.economy.models import PublishedFigure
from parkpilot.projects.models import Project
from parkpilot.tenancy.audit import audit_record
from parkpilot.tenancy.credit_code import make_demo_credit_code
from parkpilot.tenancy.models import Enterprise, Park, Role, User, Zone

# Demo fields in the YAML -> Enterprise model fields.
_DEMO_ENTERPRISE_FIELDS = {
    "zone": "zone",
    "industry": "industry_code",
    "above_scale": "above_scale",
    "floor_area_m2": "floor_area_m2",
    "employees": "employees",
}
# One login per role; the enterprise ones belong to the enterprises named here.
DEMO_USERS = [
    ("admin", Role.PARK_ADMIN, None, "管委会管理员"),
    ("staff", Role.PARK_STAFF, None, "管委会工作人员"),
    ("supervisor", Role.SUPERVISOR, None, "科技城纪工委"),
    ("hangcha-admin", Role.ENTERPRISE_ADMIN, "杭叉集团股份有限公司", "杭叉 企业管理员"),
    ("hangcha-user", Role.ENTERPRISE_USER, "杭叉集团股份有限公司", "杭叉 企业用户"),
    ("nandu-user", Role.ENTERPRISE_USER, "浙江南都电源动力股份有限公司", "南都 企业用户"),
    ("resident", Role.RESIDENT, None, "居民"),
    ("gateway-01", Role.GATEWAY, None, "计量网关 01"),
]


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool, changed: bool) -> None:
        bucket = self.created if created else self.updated if changed else None
        if bucket is not None:
            bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _app_demo_loaders():
    """Apps add their own demo rows by naming a loader on their AppConfig:
    `demo_loader = "parkpilot.<app>.demo.load"`, a function (*, park, data, report) that is
    idempotent like this module (use `upsert`)."""
    for config in apps.get_app_configs():
        path = getattr(config, "demo_loader", None)
        if path:
            yield import_string(path)


def load_demo_data() -> dict[str, Any]:
    text = resources.files("parkpilot.demo.data").joinpath("qingshanhu.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def upsert(report: LoadReport, kind: str, model, lookup: dict, values: dict):
    """Create or update one row, writing only when a value differs (keeps reloads no-ops)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.count(kind, created=True, changed=True)
        return obj
    changed = [k for k, v in values.items() if _differs(getattr(obj, k), v)]
    if changed:
        for k in changed:
            setattr(obj, k, values[k])
        obj.save(update_fields=changed)
        report.count(kind, created=False, changed=True)
    return obj


def _differs(current, wanted) -> bool:
    if isinstance(current, decimal.Decimal) and wanted is not None:
        return current != decimal.Decimal(str(wanted))
    if isinstance(current, datetime.date) and isinstance(wanted, str):
        return current.isoformat() != wanted
    return current != wanted


def _source(data: dict, key: str | None) -> str:
    return data.get("sources", {}).get(key, key or "")


@transaction.atomic
def demo_load(*, data: dict[str, Any] | None = None) -> LoadReport:
    data = data or load_demo_data()
    report = LoadReport()
    park = _load_park(report, data)
    zones = {z["code"]: _load_zone(report, park, z, data) for z in data["zones"]}
    enterprises = {e["name"]: _load_enterprise(report, park, zones, e) for e in data["enterprises"]}
    for figure in data["published_figures"]:
        _load_figure(report, park, figure, data)
    for project in data["projects"]:
        _load_project(report, park, zones, enterprises, project, data)
    _load_users(report, park, enterprises)
    for loader in _app_demo_loaders():
        loader(park=park, data=data, report=report)
    if report.changed:
        audit_record(
            actor=None,
            via="system",
            action="demo.load",
            obj=park,
            park_id=park.pk,
            before=None,
            after={"created": report.created, "updated": report.updated},
        )
    return report


def _load_park(report: LoadReport, data: dict) -> Park:
    p = data["park"]
    facts = {k: p[k] for k in ("corridor", "focus_industries", "expansion") if p.get(k) is not None}
    facts["source"] = _source(data, p.get("source"))
    values = {
        "name": p["name"],
        "name_en": p.get("name_en") or "",
        "district": p.get("district") or "",
        "region_code": p.get("region_code") or "",
        "timezone": p.get("timezone") or "Asia/Shanghai",
        "facts": facts,
        **_demo_outline(data.get("map_demo", {}).get("park")),
    }
    return upsert(report, "park", Park, {"code": p["code"]}, values)


def _demo_outline(ring: list | None) -> dict:
    """A drawn outline for the demo map (map_demo in the YAML), marked as demo data."""
    if not ring:
        return {}
    polygon = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}  # GeoJSON rings close
    return {"outline": polygon, "outline_is_demo": True}


def _load_zone(report: LoadReport, park: Park, z: dict, data: dict) -> Zone:
    values = {
        "name": z["name"],
        "name_en": z.get("name_en") or "",
        "note": z.get("note") or "",
        "area_ha": z.get("area_ha"),
        "area_mu": z.get("area_mu"),
        "floor_area_10k_m2": z.get("floor_area_10k_m2"),
        "opened_on": z.get("opened"),
        "facts": {**(z.get("facts") or {}), "source": _source(data, z.get("source"))},
        **_demo_outline(data.get("map_demo", {}).get("zones", {}).get(z["code"])),
    }
    return upsert(report, "zone", Zone, {"park": park, "code": z["code"]}, values)


def _load_enterprise(report: LoadReport, park: Park, zones: dict, e: dict) -> Enterprise:
    demo = e.get("demo") or {}
    values: dict[str, Any] = {
        "short_name": e.get("short_name") or "",
        "credit_code": make_demo_credit_code(e["name"], region=park.region_code or "330185"),
        "published": e.get("published") or {},
    }
    demo_fields = ["credit_code"]
    for yaml_key, model_field in _DEMO_ENTERPRISE_FIELDS.items():
        published = e.get(yaml_key)
        value = published if published is not None else demo.get(yaml_key)
        if published is None and yaml_key in demo:
            demo_fields.append(model_field)
        if yaml_key == "zone":
            value = zones.get(value) if value else None
        values[model_field] = value if value is not None else _EMPTY.get(model_field)
    values["demo_fields"] = demo_fields
    return upsert(report, "enterprise", Enterprise, {"park": park, "name": e["name"]}, values)


_EMPTY = {"industry_code": "", "above_scale": False}


def _load_figure(report: LoadReport, park: Park, f: dict, data: dict) -> None:
    values = {
        "name": f["name"],
        "name_en": f.get("name_en") or "",
        "value": f["value"],
        "unit": f.get("unit") or "",
        "growth_pct": f.get("growth_pct"),
        "share_pct": f.get("share_pct"),
        "group": f.get("group") or "",
        "headline": bool(f.get("headline")),
        "source": _source(data, f.get("source")),
    }
    lookup = {"park": park, "code": f["code"], "period": str(f["period"])}
    upsert(report, "published_figure", PublishedFigure, lookup, values)


_PROJECT_FACT_KEYS = ("phase1_investment_100m_cny", "builder", "construction_supervisor")


def _load_project(
    report: LoadReport, park: Park, zones: dict, enterprises: dict, p: dict, data: dict
) -> None:
    values = {
        "zone": zones.get(p.get("zone")) if p.get("zone") else None,
        "enterprise": enterprises.get(p.get("investor")),
        "investor": p.get("investor") or "",
        "investment_100m_cny": p.get("investment_100m_cny"),
        "land_ha": p.get("land_ha"),
        "floor_area_10k_m2": p.get("floor_area_10k_m2"),
        "capacity": p.get("capacity") or "",
        "tags": p.get("tags") or [],
        "signed_on": p.get("signed_on"),
        "started_on": p.get("started_on"),
        "in_use_on": p.get("in_use_on"),
        "in_production_year": p.get("in_production_year"),
        "status_note": p.get("status_2022") or "",
        "facts": {k: p[k] for k in _PROJECT_FACT_KEYS if p.get(k) is not None},
        "source": _source(data, p.get("source")),
    }
    upsert(report, "project", Project, {"park": park, "name": p["name"]}, values)


def _load_users(report: LoadReport, park: Park, enterprises: dict) -> None:
    for username, role, enterprise_name, display in DEMO_USERS:
        values = {
            "role": role,
            "park": park,
            "enterprise": enterprises[enterprise_name] if enterprise_name else None,
            "display_name": display,
        }
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, **values)
            # The password is set only when the user is made, so a changed one survives reloads.
            if role == Role.GATEWAY:
                user.set_unusable_password()  # machines use tokens: `parkpilot token gateway-01`
            else:
                user.set_password(settings.PARKPILOT_DEMO_PASSWORD)
            user.save()
            report.count("user", created=True, changed=True)
        else:
            upsert(report, "user", User, {"username": username}, values)
