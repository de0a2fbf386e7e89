"""The 碳体检报告: its content (figures, findings) and its two renderings, PDF (WeasyPrint:
HTML + inline SVG charts, Chinese set in Noto Sans CJK, cut to the common characters by
report_fonts) and XLSX."""

import atexit
import functools
import gc
import io
import logging
from contextlib import contextmanager
from datetime import date
from html import escape
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from parkpilot import plugins
from parkpilot.carbon import (
    accounting,
    grading,
    periods,
    report_fonts,
    report_scope2,
    selectors,
    shared_reads,
)
from parkpilot.carbon.models import Budget, Level
from parkpilot.carbon.periods import Period, period
from parkpilot.energy import selectors_carbon as energy
from parkpilot.energy.kinds import CANONICAL_UNIT, EnergyKind
from parkpilot.spreadsheets import append_row
from parkpilot.tenancy import industry
from parkpilot.tenancy.errors import ValidationFailed

# WeasyPrint logs every layout step at INFO; a batch of 500 reports would flood the log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

INDICATORS = [
    ("energy_tce", "能源消费总量", "tce"),
    ("co2_t", "碳排放总量", "tCO2"),
    ("energy_intensity", "能耗强度", "tce/万元"),
    ("carbon_intensity", "碳排放强度", "tCO2/万元"),
]
KIND_NAMES = {
    EnergyKind.GRID_IMPORT: "电网购电",
    EnergyKind.GRID_EXPORT: "上网电量",
    EnergyKind.PV_GENERATION: "光伏发电",
    EnergyKind.STORAGE_CHARGE: "储能充电",
    EnergyKind.STORAGE_DISCHARGE: "储能放电",
    EnergyKind.EV_CHARGING: "充电桩",
    EnergyKind.STREET_LIGHTING: "路灯",
    EnergyKind.NATURAL_GAS: "天然气",
    EnergyKind.STEAM: "蒸汽",
    EnergyKind.WATER: "水",
}
CARRIER_NAMES = {"electricity": "电力", "natural_gas": "天然气", "heat": "热力（蒸汽）"}
REGION_NAMES = {"national": "全国", "east_china": "华东区域电网", "zhejiang": "浙江省"}


def _per(park, year: int, month: int) -> Period:
    if month:
        return period(Level.MONTH, date(year, month, 1), park.timezone)
    return period(Level.YEAR, date(year, 1, 1), park.timezone)


def _sharing_reads(fn):
    """One report's own whole-park reads are shared too (the period is read for its figures
    and again for grades); a batch opens the block once around all its reports."""

    @functools.wraps(fn)
    def wrapper(**kwargs):
        with shared_reads.shared():
            return fn(**kwargs)

    return wrapper


@_sharing_reads
def build_content(*, enterprise, year: int, month: int) -> dict:
    park = enterprise.park
    per = _per(park, year, month)
    system = selectors.system_reader(park)
    # One basis for every figure: a closed period's all come from its snapshot (selectors).
    basis = selectors.enterprise_basis(park=park, enterprise=enterprise, per=per)
    account, stored, ints = basis["account"], basis["stored"], basis["indicators"]
    indicators = []
    for key, name, unit in INDICATORS:
        indicators.append(
            {"key": key, "name": name, "unit": unit, "value": ints[key],
             "mom": basis["mom"][key], "yoy": basis["yoy"][key]}
        )  # fmt: skip
    grade, grade_note = None, basis["grade_error"]
    if basis["grade"] is not None:
        grade = {**ints, **basis["grade"], "peers": basis["peers"],
                 "park_average": basis["park_average"]}  # fmt: skip
        if grade["why"] == "no_value_added":
            grade_note = "本期未报送工业增加值，按建筑面积计算强度，不评定碳效等级。"
        elif grade["why"] == "no_industry_average":
            grade_note = "所属行业本年度无平均碳排放强度，仅评定碳排放水平。"
    profile = load_profile(park, enterprise, per)
    complete = energy.completeness(
        user=system, park_id=park.pk, owner_id=enterprise.pk, start=per.start,
        end=min(per.end, timezone.now()),
    )  # fmt: skip
    budget = _budget(park, enterprise, per, basis["ytd"])
    elec = account["electricity"]
    pv = {
        "generation": elec["pv_generation_kwh"],
        "self_consumed": elec["pv_self_consumed_kwh"],
        "share": elec["pv_self_consumed_kwh"] / elec["used_kwh"] if elec["used_kwh"] else 0.0,
        "self_consumption": (
            elec["pv_self_consumed_kwh"] / elec["pv_generation_kwh"]
            if elec["pv_generation_kwh"]
            else None
        ),
    }
    content = {
        "enterprise": {
            "id": enterprise.pk,
            "name": enterprise.name,
            "credit_code": enterprise.credit_code,
            "industry_code": enterprise.industry_code,
            "zone": enterprise.zone.name if enterprise.zone else "",
            "floor_area_m2": enterprise.floor_area_m2,
            "demo": enterprise.is_demo,
        },
        "park": park.name,
        "period": per.label,
        "level": per.level,
        "stored": stored,
        "state": basis["state"],
        "mom_basis": basis["mom"]["basis"],
        "generated_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "energy": [
            {"kind": k, "name": KIND_NAMES.get(k, k), "quantity": v, "unit": CANONICAL_UNIT[k]}
            for k, v in account["energy"].items()
        ],
        "tce_by_carrier": [
            {"carrier": c, "name": CARRIER_NAMES[c], "tce": v}
            for c, v in account["tce_by_carrier"].items()
        ],
        "electricity": elec,
        "sources": [
            {
                "key": k,
                "name": _source_name(k),
                "scope": s["scope"],
                "quantity": s["quantity"],
                "unit": s["unit"],
                "co2_t": s["co2_t"],
                "factor": s["factor"]["value"] if s.get("factor") else None,
                "factor_unit": s["factor"]["unit"] if s.get("factor") else "",
                "region": REGION_NAMES.get((s.get("factor") or {}).get("region"), ""),
                "factor_year": (s.get("factor") or {}).get("year"),
                "document": (s.get("factor") or {}).get("document", ""),
                "factor_ref": _factor_ref(s.get("factor")),
            }
            for k, s in account["sources"].items()
        ],
        "tce_factors": [
            {
                "carrier": CARRIER_NAMES.get(f["carrier"], f["carrier"]),
                "value": f["value"],
                "unit": f["unit"],
                "document": f["document"],
            }
            for f in account["factors"].values()
            if f["quantity"] == "tce"
        ],
        "scope1_co2_t": account["scope1_co2_t"],
        "scope2_co2_t": account["scope2_co2_t"],
        "co2_t": account["co2_t"],
        "tce": account["tce"],
        "indicators": indicators,
        "intensities": ints,
        "grade": grade,
        "grade_note": grade_note,
        "level_name": grading.LEVEL_LABELS.get((grade or {}).get("level"), ""),
        "profile": profile,
        "pv": pv,
        "completeness": complete,
        "budget": budget,
        "factors": sorted(account["factors"].values(), key=lambda f: f["id"]),
    }
    content["basis"] = report_scope2.section(
        enterprise=enterprise, per=per, account=account, intensities=ints, grade=grade
    )
    # Other apps' sections (plugins.ReportSection), e.g. the bus app's staff commuting. Left
    # out when there are none, so such a report's content (and hash) is as it always was.
    sections = plugins.report_sections(enterprise=enterprise, per=per)
    if sections:
        content["sections"] = sections
    content["findings"] = findings(content)
    return content


def _factor_ref(factor: dict | None) -> str:
    """The factor's id and version as the report prints them, e.g. EF-12-v2."""
    return f"EF-{factor['id']}-v{factor['version']}" if factor else ""


def _source_name(key: str) -> str:
    return accounting.SOURCE_LABELS[key][0]


def _budget(park, enterprise, per: Period, used: dict | None) -> dict | None:
    """Use from 1 January against the budget: `used` is the snapshot's when closed."""
    b = Budget.objects.filter(park=park, enterprise=enterprise, year=per.year).first()
    if b is None:
        return None
    ytd = periods.year_to_date(per) if per.level == Level.MONTH else per
    # A period still running counts only as far as it has run (as budget_status does).
    ytd = Period(ytd.level, ytd.start, max(ytd.start, min(ytd.end, timezone.now())))
    if used is None:
        acc = selectors.live_accounts(user=selectors.system_reader(park), park=park, per=ytd)
        a = acc.enterprise(enterprise.pk)
        used = {"tce": a.tce, "co2_t": a.co2_t}
    return {
        "energy": selectors.projection(used["tce"], ytd, float(b.energy_tce)),
        "co2": selectors.projection(used["co2_t"], ytd, float(b.co2_t)),
    }


def load_profile(park, enterprise, per: Period) -> dict:
    """Typical day (mean kWh per local hour), time-of-use shares, night base load (kW)."""
    rows = energy.hourly_profile(
        user=selectors.system_reader(park), park_id=park.pk, owner_id=enterprise.pk,
        start=per.start, end=per.end, kinds=(EnergyKind.GRID_IMPORT,),
    )  # fmt: skip
    tz = ZoneInfo(park.timezone)
    sums, days = [0.0] * 24, [set() for _ in range(24)]
    for bucket, e in rows:
        local = bucket.astimezone(tz)
        sums[local.hour] += e
        days[local.hour].add(local.date())
    typical = [sums[h] / len(days[h]) if days[h] else 0.0 for h in range(24)]
    try:
        tou_hours = grading.settings_for(park, per.year).tou_hours
    except ValidationFailed:
        tou_hours = {}
    total = sum(sums)
    shares = {}
    assigned = set()
    for name in ("sharp", "peak", "valley"):
        hours = set(tou_hours.get(name, [])) - assigned
        assigned |= hours
        shares[name] = sum(sums[h] for h in hours) / total if total else 0.0
    shares["flat"] = 1.0 - sum(shares.values()) if total else 0.0
    night = [typical[h] for h in (1, 2, 3, 4)]
    mean = sum(typical) / 24
    return {
        "typical_day": typical,
        "tou_shares": shares,
        "tou_configured": bool(tou_hours),
        "night_base_kw": sum(night) / len(night),
        "mean_kw": mean,
        "night_ratio": (sum(night) / len(night)) / mean if mean else None,
    }


def findings(c: dict) -> list[dict]:
    """Rules over the figures; each finding names the figure that triggered it."""
    out = []

    def add(figure, value, text, advice):
        out.append({"figure": figure, "value": value, "text": text, "advice": advice})

    rate = c["completeness"]["rate"]
    if c["completeness"]["expected"] and rate < 0.95:
        add("数据完整率", f"{rate:.1%}", f"计量数据完整率 {rate:.1%}，低于 95%。",
            "检查通信中断或故障的计量点，补齐数据后重新核算。")  # fmt: skip
    ratio = c["profile"]["night_ratio"]
    if ratio is not None and ratio > 0.5:
        add("夜间基础负荷", f"{c['profile']['night_base_kw']:.1f} kW",
            f"夜间（1-5 时）基础负荷为平均负荷的 {ratio:.0%}。",
            "排查夜间待机设备、空压机泄漏和照明，非生产时段关停。")  # fmt: skip
    shares = c["profile"]["tou_shares"]
    peak = shares.get("sharp", 0) + shares.get("peak", 0)
    if c["profile"]["tou_configured"] and peak > 0.5:
        add("尖峰时段用电占比", f"{peak:.1%}", f"尖峰和高峰时段用电占 {peak:.1%}。",
            "将可调节负荷转移至低谷时段，或配置储能削峰填谷。")  # fmt: skip
    grade = c["grade"] or {}
    if grade.get("grade") and grade["grade"] >= 4:
        g = grade["grade"]
        add("碳效等级", f"{g} 级", f"碳效等级为 {g} 级，低于行业平均水平。",
            "开展能源审计，优先实施电机、空压、余热利用等节能改造。")  # fmt: skip
    co2 = next(i for i in c["indicators"] if i["key"] == "co2_t")
    if co2["yoy"] is not None and co2["yoy"] > 0.1:
        add("碳排放总量同比", f"{co2['yoy']:+.1%}", f"碳排放总量同比增长 {co2['yoy']:.1%}。",
            "核查产量变化与单位产品能耗，制定年度减碳计划。")  # fmt: skip
    if c["electricity"]["used_kwh"] and not c["pv"]["generation"]:
        add("光伏电量占比", "0%", "本期无自发自用光伏电量。",
            "评估屋顶分布式光伏或购买绿电，降低外购电力排放。")  # fmt: skip
    budget = c["budget"] or {}
    for key, name in (("energy", "能耗预算"), ("co2", "碳排放预算")):
        p = budget.get(key)
        if p and p["over"]:
            add(name, f"{p['projected_share']:.0%}", f"按当前进度全年将达{name}的 "
                f"{p['projected_share']:.0%}。", "落实用能计划，控制高耗能工序。")  # fmt: skip
    return out


# --- rendering -----------------------------------------------------------------------------


def bar_svg(
    values: list[float], labels: list[str], *, width=640, height=180, color="#2e7d32",
    font_family: str = '"Noto Sans CJK SC"',
) -> str:  # fmt: skip
    """A plain SVG bar chart (embedded in the PDF; no browser needed to draw it)."""
    n = max(len(values), 1)
    top = max(values) if values and max(values) > 0 else 1.0
    pad_l, pad_b, pad_t = 48, 22, 10
    bw = (width - pad_l - 8) / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{escape(font_family)}" font-size="9">',
        f'<line x1="{pad_l}" y1="{height - pad_b}" x2="{width - 4}" y2="{height - pad_b}" '
        'stroke="#999"/>',
        f'<text x="{pad_l - 4}" y="{pad_t + 8}" text-anchor="end">{top:.4g}</text>',
        f'<text x="{pad_l - 4}" y="{height - pad_b}" text-anchor="end">0</text>',
    ]
    # All bars are one path (a rectangle each): one SVG element instead of one per bar.
    bars = []
    for i, (v, label) in enumerate(zip(values, labels, strict=True)):
        h = (height - pad_b - pad_t) * (v / top) if v > 0 else 0
        x = pad_l + i * bw + bw * 0.15
        if h:
            bars.append(
                f"M{x:.1f} {height - pad_b - h:.1f}h{bw * 0.7:.1f}v{h:.1f}h{-bw * 0.7:.1f}z"
            )
        if label:
            x_text, y_text = x + bw * 0.35, height - 8
            parts.append(f'<text x="{x_text:.1f}" y="{y_text}" text-anchor="middle">{label}</text>')
    if bars:
        parts.append(f'<path d="{"".join(bars)}" fill="{color}"/>')
    parts.append("</svg>")
    return "".join(parts)


def render_pdf(content: dict) -> bytes:
    from weasyprint import HTML

    family = report_fonts.font_family()
    typical = content["profile"]["typical_day"]
    charts = {
        # Every third hour labelled: each SVG text is a separate text layout in the PDF.
        "typical_day": bar_svg(
            typical, [str(h) if h % 3 == 0 else "" for h in range(24)], font_family=family
        ),
        "sources": bar_svg(
            [s["co2_t"] for s in content["sources"]],
            [s["name"] for s in content["sources"]],
            width=400,
            color="#c62828",
            font_family=family,
        ),
    }
    # Other apps' sections follow the report's own eight, numbered on: 九、十、……
    sections = [(_chapter(9 + i), s) for i, s in enumerate(content.get("sections", []))]
    html = render_to_string(
        "carbon/report_pdf.html",
        {"c": content, "charts": charts, "font_family": family, "sections": sections},
    )
    stylesheet, fonts = _stylesheet()
    with _collector_paused():
        return HTML(string=html).write_pdf(stylesheets=[stylesheet], font_config=fonts)


def _chapter(n: int) -> str:
    """A chapter's number in Chinese, 1-99 (九, 十, 十一, 二十三)."""
    digits = "〇一二三四五六七八九"
    tens, ones = divmod(n, 10)
    if not tens:
        return digits[ones]
    return (digits[tens] if tens > 1 else "") + "十" + (digits[ones] if ones else "")


@contextmanager
def _collector_paused():
    """WeasyPrint makes some hundred thousand objects per PDF that all live until it is
    written; Python's cyclic collector walked them again and again while they were made (about
    a tenth of each PDF's time). Paused here, it collects them once afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@functools.cache
def _stylesheet():
    """The report's static CSS, parsed once per process with the font configuration it is
    bound to (parsing it took a tenth of each PDF)."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    # WeasyPrint copies the @font-face files into a temporary folder that the configuration
    # removes when it is freed: freed at exit, while the modules it needs are still there.
    atexit.register(_stylesheet.cache_clear)
    css = render_to_string(
        "carbon/report_pdf.css",
        {"font_faces": report_fonts.font_face_css(), "font_family": report_fonts.font_family()},
    )
    return CSS(string=css, font_config=fonts), fonts


def warm_up() -> None:
    """Make what every PDF of this process reuses (the cut font, the parsed stylesheet, Pango's
    loaded faces) before the first report: a render worker does it while it starts, so its
    first report is not the slow one."""
    from weasyprint import HTML

    stylesheet, fonts = _stylesheet()
    HTML(string="<p>碳体检 <strong>报告</strong></p>").render(
        stylesheets=[stylesheet], font_config=fonts
    )


def render(content: dict) -> tuple[bytes, bytes]:
    """Both files of one version (run in a worker process by a batch: no database needed)."""
    return render_pdf(content), render_xlsx(content)


def render_xlsx(content: dict) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "概况"
    e = content["enterprise"]
    rows = [
        ("碳体检报告", ""),
        ("企业", e["name"]),
        ("统一社会信用代码", e["credit_code"]),
        ("行业", industry.label(e["industry_code"] or "")),
        ("园区 / 片区", f"{content['park']} / {e['zone']}"),
        ("期间", content["period"]),
        ("生成时间", content["generated_at"]),
    ]
    doc = content.get("document") or {}
    if doc:
        rows += [
            ("报告编号", doc["number"]),
            ("版本", doc["version"]),
            ("签发时间", doc["issued_at"]),
            ("签发人", doc["issued_by"]),
            ("签发原因", doc["reason"]),
        ]
    demo = doc.get("demo_inputs") or (["企业资料"] if e["demo"] else [])
    rows.append(("演示数据", "；".join(demo) if demo else "否"))
    for r in rows:
        append_row(ws, r)  # formula-safe: names and documents are typed by people
    ws["A1"].font = Font(bold=True, size=14)
    sheets = {
        "四项指标": (["指标", "数值", "单位", "环比", "同比"],
                 [[i["name"], i["value"], i["unit"], i["mom"], i["yoy"]]
                  for i in content["indicators"]]),
        "能源": (["能源品种", "实物量", "单位"],
               [[x["name"], x["quantity"], x["unit"]] for x in content["energy"]]
               + [[f"{x['name']}（折标煤）", x["tce"], "tce"] for x in content["tce_by_carrier"]]),
        "排放": (["排放源", "范围", "活动水平", "单位", "排放因子", "因子单位", "地区", "年份",
                "来源文件", "因子编号", "排放量 tCO2"],
               [[s["name"], s["scope"], s["quantity"], s["unit"], s["factor"], s["factor_unit"],
                 s["region"], s["factor_year"], s["document"], s.get("factor_ref", ""),
                 s["co2_t"]]
                for s in content["sources"]]),
        "典型日负荷": (["时", "kWh"],
                  [[h, v] for h, v in enumerate(content["profile"]["typical_day"])]),
        "排放因子": (["因子编号", "品种", "类别", "数值", "单位", "地区", "年份", "版本",
                  "来源文件", "演示数据"],
                 [[f["ref"], f["carrier_name"], f["quantity_name"], f["value"], f["unit"],
                   f["region"], f["year"], f["version"], f["document"],
                   "是" if f["is_demo"] else ""]
                  for f in doc.get("factors", [])]),
        "发现与建议": (["指标", "数值", "发现", "建议"],
                  [[f["figure"], f["value"], f["text"], f["advice"]]
                   for f in content["findings"]]),
    }  # fmt: skip
    for s in content.get("sections", []):  # other apps' sections: one sheet each
        data = s["data"]
        figures = [[f["name"], f["value"], f["unit"]] for f in data.get("figures", [])]
        sheets[_sheet_title(s["title"], sheets)] = (
            data.get("columns") or ["指标", "数值", "单位"],
            data.get("rows") or figures,
        )
    for title, (header, body) in sheets.items():
        sheet = wb.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for r in body:
            append_row(sheet, r)
    # Month-on-month and year-on-year are fractions: shown as percentages, kept as numbers.
    for row in wb["四项指标"].iter_rows(min_row=2, min_col=4, max_col=5):
        for cell in row:
            cell.number_format = "0.0%"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_title(title: str, taken) -> str:
    """An XLSX sheet name from a section's title: at most 31 characters, none of []:*?/\\,
    and not one already taken."""
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:31] or "板块"
    name, n = base, 2
    while name in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    return name
