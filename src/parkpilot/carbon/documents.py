"""The 碳体检报告 as an issued document: its number, the block every version carries (number,
version, issue, the factors used with their ids and documents, what input is demo data), the
hashes that pin what was issued, and the figure-by-figure difference between two versions."""

import hashlib
import json

from django.utils import translation
from django.utils.translation import gettext

from parkpilot.carbon import selectors
from parkpilot.carbon.models import EmissionFactor, IndustryAverage, YearSettings
from parkpilot.economy import selectors as economy

CARRIER_NAMES = {"electricity": "电力", "natural_gas": "天然气", "heat": "热力"}
QUANTITY_NAMES = {"co2": "排放因子", "tce": "折标系数"}
REGION_NAMES = {"national": "全国", "east_china": "华东区域电网", "zhejiang": "浙江省"}


def report_number(park_code: str, year: int, month: int, enterprise_id: int) -> str:
    """One number per enterprise and period, kept by every version (e.g.
    CR-QINGSHANHU-2026-10-00012); the version tells the issues apart."""
    period = f"{year}-{month:02d}" if month else str(year)
    return f"CR-{park_code.upper()}-{period}-{enterprise_id:05d}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def figures_sha256(content: dict) -> str:
    """Hash of the figures alone (the document block left out), so two versions with the same
    figures have the same content hash whatever their numbers and dates."""
    figures = {k: v for k, v in content.items() if k != "document"}
    text = json.dumps(figures, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return sha256(text.encode())


def factor_entries(*, park, content: dict) -> list[dict]:
    """Every factor the figures used, as the catalogue holds it (id, version, document, demo)."""
    used = {f["id"]: f for f in content.get("factors", [])}
    rows = EmissionFactor.objects.filter(park=park, pk__in=list(used)).order_by("id")
    return [
        {
            # A year without its own published factor used this one (as the account says).
            "carried_forward": bool(used[f.pk].get("carried_forward")),
            "applied_year": used[f.pk].get("applied_year", f.year),
            "id": f.pk, "ref": f"EF-{f.pk}-v{f.version}", "carrier": f.carrier,
            "carrier_name": CARRIER_NAMES.get(f.carrier, f.carrier), "quantity": f.quantity,
            "quantity_name": QUANTITY_NAMES.get(f.quantity, f.quantity), "region": f.region,
            "region_name": REGION_NAMES.get(f.region, f.region),
            "year": f.year, "version": f.version, "value": float(f.value), "unit": f.unit,
            "document": f.document, "note": f.note, "is_demo": f.is_demo,
        }
        for f in rows
    ]  # fmt: skip


# The 碳体检报告 is a Chinese document whoever issues it: its texts are made in this language.
REPORT_LANGUAGE = "zh-hans"


def document_text(msgid: str, /, **params) -> str:
    """`msgid` (marked with gettext_noop) in the report's language."""
    with translation.override(REPORT_LANGUAGE):
        return gettext(msgid) % params if params else gettext(msgid)


def demo_inputs(
    *, park, enterprise, year: int, month: int, factors: list[dict], sections: list[dict] = ()
) -> list[str]:
    """What input of the report is demo data, named (empty for a report on real data only);
    a section of another app names its own (its data's "demo")."""
    found = []
    if enterprise.is_demo:
        found.append(gettext("enterprise profile"))
    found += [gettext("factor %(ref)s") % {"ref": f["ref"]} for f in factors if f["is_demo"]]
    if YearSettings.objects.filter(park=park, year=year, is_demo=True).exists():
        found.append(gettext("grade thresholds"))
    if IndustryAverage.objects.filter(
        park=park, year=year, industry_code=enterprise.industry_code or "", is_demo=True
    ).exists():
        found.append(gettext("industry average carbon intensity"))
    months = [month] if month else list(range(1, 13))
    stats = economy.monthly_list(user=_system(park), year=year).filter(
        enterprise=enterprise, month__in=months, is_demo=True
    )
    if stats.exists():
        found.append(gettext("industrial value added"))
    found += [s["data"]["demo"] for s in sections if s["data"].get("demo")]
    return found


def _system(park):
    return selectors.system_reader(park)


def document_block(
    *, number: str, version: int, issued_at: str, issued_by: str, reason: str,
    factors: list[dict], demo: list[str], previous: dict | None, content_sha256: str,
) -> dict:  # fmt: skip
    return {
        "number": number,
        "content_sha256": content_sha256,
        "version": version,
        "issued_at": issued_at,
        "issued_by": issued_by,
        "reason": reason,
        "factors": factors,
        "demo_inputs": demo,
        "previous": previous,  # {"version", "content_sha256", "pdf_sha256"} of version n-1
    }


# --- difference between two versions ------------------------------------------------------


def figures_of(content: dict) -> dict[str, tuple[str, str, object]]:
    """The figures a reader compares, by key: (name, unit, value)."""
    out: dict[str, tuple[str, str, object]] = {}
    for i in content.get("indicators", []):
        out[i["key"]] = (i["name"], i["unit"], i["value"])
    out["scope1_co2_t"] = ("范围一排放", "tCO2", content.get("scope1_co2_t"))
    out["scope2_co2_t"] = ("范围二排放", "tCO2", content.get("scope2_co2_t"))
    for s in content.get("sources", []):
        out[f"source.{s['key']}"] = (f"{s['name']}排放", "tCO2", s["co2_t"])
        out[f"factor.{s['key']}"] = (f"{s['name']}排放因子", s["factor_unit"], s["factor"])
    grade = content.get("grade") or {}
    out["grade"] = ("碳效等级", "级", grade.get("grade"))
    out["k"] = ("碳效值 K", "", grade.get("k"))
    out["completeness"] = ("数据完整率", "", (content.get("completeness") or {}).get("rate"))
    factors = (content.get("document") or {}).get("factors") or content.get("factors", [])
    refs = sorted(f.get("ref") or f"EF-{f['id']}-v{f['version']}" for f in factors)
    out["factor_ids"] = ("所用因子", "", " ".join(refs))
    for s in content.get("sections", []):  # other apps' sections name their own figures
        for f in s["data"].get("figures", []):
            out[f"section.{s['key']}.{f['key']}"] = (f["name"], f["unit"], f["value"])
    return out


def difference(before: dict, after: dict) -> list[dict]:
    """Side by side, every figure of both versions, with the change where both are numbers."""
    old, new = figures_of(before), figures_of(after)
    rows = []
    for key in [*new, *(k for k in old if k not in new)]:
        name, unit, _ = new.get(key) or old[key]
        was = old.get(key, (name, unit, None))[2]
        now = new.get(key, (name, unit, None))[2]
        numbers = isinstance(was, int | float) and isinstance(now, int | float)
        delta = now - was if numbers else None
        rows.append(
            {
                "key": key, "name": name, "unit": unit, "before": was, "after": now,
                "delta": delta,
                "relative": delta / was if numbers and was else None,
                "changed": (abs(delta) > 1e-9 * max(1.0, abs(was))) if numbers else was != now,
            }
        )  # fmt: skip
    return rows
