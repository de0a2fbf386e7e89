"""XLSX export and import of the ledger (openpyxl).

Import is all or nothing: every row goes through the same services as the UI and API (so it is
validated and audited the same way) inside one transaction; if any row has a problem, each
problem is reported with its sheet, row, column and reason, and the transaction rolls back."""

import datetime
import io
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from parkpilot.inputs import Fields
from parkpilot.projects import services
from parkpilot.projects.models import Project, Stage
from parkpilot.spreadsheets import append_row
from parkpilot.tenancy.errors import Forbidden, ValidationFailed
from parkpilot.tenancy.models import Enterprise, Park, User, Zone
from parkpilot.uploads import check_xlsx

SHEET = "项目台账"
# (header, project field or None for export-only)
BASE_COLUMNS = [
    ("项目名称", "name"),
    ("投资方", "investor"),
    ("企业", "enterprise_id"),
    ("片区", "zone_id"),
    ("行业", "industry"),
    ("地块", "land_parcel"),
    ("标签", "tags"),
    ("计划投资(亿元)", "investment_100m_cny"),
    ("用地(公顷)", "land_ha"),
    ("建筑面积(万㎡)", "floor_area_10k_m2"),
    ("产能", "capacity"),
    ("联系人", "contact_id"),
]
STAGE_SHORT = {
    Stage.SIGNED: "签约",
    Stage.LAND: "供地",
    Stage.APPROVAL: "立项/备案",
    Stage.PLANNING_PERMIT: "规划许可",
    Stage.CONSTRUCTION_PERMIT: "施工许可",
    Stage.STARTED: "开工",
    Stage.COMPLETED: "竣工",
    Stage.IN_USE: "投产/投用",
    Stage.AT_CAPACITY: "达产",
}
STAGE_COLUMNS = [
    (f"{STAGE_SHORT[s]}{kind}", (int(s), field))
    for s in Stage
    for kind, field in (("计划", "planned_on"), ("实际", "actual_on"))
]
EXPORT_ONLY = ["当前阶段", "拿地至开工(天)", "已完成投资(亿元)", "延误"]
HEADERS = [h for h, _field in BASE_COLUMNS] + [h for h, _field in STAGE_COLUMNS]
TAG_SEPARATOR = "、"


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    column: str  # header text, e.g. "开工实际"
    reason: str

    def __str__(self) -> str:
        return f"{self.sheet}!{self.row} [{self.column}]: {self.reason}"


class ImportFailed(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def export_ledger(projects) -> bytes:
    """One row per project; `projects` should prefetch stages (selectors.stages_prefetch)."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    append_row(sheet, HEADERS + EXPORT_ONLY)
    for p in projects:
        stages = {s.stage: s for s in p.stages.all()}
        row = [
            p.name,
            p.investor,
            p.enterprise.name if p.enterprise else None,
            p.zone.code if p.zone else None,
            p.industry,
            p.land_parcel,
            TAG_SEPARATOR.join(p.tags),
            p.investment_100m_cny,
            p.land_ha,
            p.floor_area_10k_m2,
            p.capacity,
            p.contact.username if p.contact else None,
        ]
        for _header, (stage, field) in STAGE_COLUMNS:
            s = stages.get(stage)
            row.append(getattr(s, field) if s else None)
        row += [
            p.get_current_stage_display(),
            p.land_to_start_days,
            p.completed_investment_100m_cny,
            "是" if p.is_delayed else "",
        ]
        append_row(sheet, row)
    for index, header in enumerate(HEADERS + EXPORT_ONLY, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(header) * 2 + 2)
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _cell_date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    return _cell_text(value) or None


def import_ledger(*, actor: User, via: str, park: Park, file) -> dict[str, int]:
    refused = check_xlsx(file, field="file")  # a zip bomb is refused before any XML is read
    if refused:
        raise ImportFailed([Problem("-", 0, "-", refused[0].reason)])
    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not XLSX
        raise ImportFailed([Problem("-", 0, "-", _("not an XLSX file"))]) from None
    if SHEET not in book.sheetnames:
        raise ImportFailed(
            [Problem(SHEET, 0, "-", _("the sheet “%(sheet)s” is missing") % {"sheet": SHEET})]
        )
    rows = list(book[SHEET].iter_rows(values_only=True))
    if not rows:
        raise ImportFailed([Problem(SHEET, 1, "-", _("the sheet is empty"))])
    header = [_cell_text(h) for h in rows[0]]
    missing = [h for h in HEADERS if h not in header]
    if missing:
        raise ImportFailed([Problem(SHEET, 1, h, _("this column is missing")) for h in missing])
    col = {h: header.index(h) for h in HEADERS}
    counts = {"created": 0, "updated": 0}
    problems: list[Problem] = []
    with transaction.atomic():
        for number, values in enumerate(rows[1:], start=2):
            if all(v is None or _cell_text(v) == "" for v in values):
                continue
            problems += _import_row(actor, via, park, number, values, col, counts)
        if problems:
            # Leaving the block by an exception rolls back every row written so far.
            raise ImportFailed(problems)
    return counts


def _lookup(model, park, value, field, errors, **by):
    if not value:
        return None
    obj = model.objects.filter(park=park, **{by["key"]: value}).first()
    if obj is None:
        errors.append((field, by["reason"]))
        return None
    return obj.pk


def _import_row(actor, via, park, number, values, col, counts) -> list[Problem]:
    def cell(header):
        index = col[header]
        return values[index] if index < len(values) else None

    header_of = {field: h for h, field in BASE_COLUMNS}
    errors: list[tuple[str, str]] = []
    data = {}
    for header, field in BASE_COLUMNS:
        raw = cell(header)
        if field == "tags":
            data["tags"] = [t for t in _cell_text(raw).split(TAG_SEPARATOR) if t]
        elif field == "zone_id":
            text = _cell_text(raw)
            zone = (
                Zone.objects.filter(park=park, code=text).first()
                or Zone.objects.filter(park=park, name=text).first()
            )
            if text and zone is None:
                errors.append(("zone_id", _("no such zone in this park")))
            data["zone_id"] = zone.pk if zone else None
        elif field == "enterprise_id":
            data[field] = _lookup(
                Enterprise,
                park,
                _cell_text(raw),
                field,
                errors,
                key="name",
                reason=_("no such enterprise in this park"),
            )
        elif field == "contact_id":
            data[field] = _lookup(
                User,
                park,
                _cell_text(raw),
                field,
                errors,
                key="username",
                reason=_("no such user in this park"),
            )
        elif field in services.DECIMAL_FIELDS:
            data[field] = raw if not isinstance(raw, str) else (raw.strip() or None)
        else:
            data[field] = _cell_text(raw)
    problems = [Problem(SHEET, number, header_of[f], r) for f, r in errors]
    if problems:
        return problems
    dates = Fields()
    for header, _stage in STAGE_COLUMNS:
        dates.date(header, _cell_date(cell(header)), required=False)
    bad_dates = [Problem(SHEET, number, e.field, e.reason) for e in dates.errors]
    existing = Project.objects.filter(park=park, name=data["name"]).first()
    try:
        if existing is None:
            project = services.project_create(actor=actor, via=via, park=park, data=data)
            counts["created"] += 1
        else:
            project = services.project_update(actor=actor, via=via, project=existing, changes=data)
            counts["updated"] += 1
    except ValidationFailed as exc:
        return [
            Problem(SHEET, number, header_of.get(e.field, e.field), e.reason) for e in exc.errors
        ] + bad_dates
    except Forbidden:
        return [Problem(SHEET, number, "-", _("not allowed"))]
    if bad_dates:
        return bad_dates
    by_stage: dict[int, dict] = {}
    for header, (stage, field) in STAGE_COLUMNS:
        by_stage.setdefault(stage, {})[field] = _cell_date(cell(header))
    for stage, changes in by_stage.items():
        try:
            services.project_stage_update(
                actor=actor, via=via, project=project, stage=stage, changes=changes
            )
        except ValidationFailed as exc:
            kind = {"planned_on": "计划", "actual_on": "实际"}
            problems += [
                Problem(
                    SHEET, number, f"{STAGE_SHORT[Stage(stage)]}{kind.get(e.field, '')}", e.reason
                )
                for e in exc.errors
            ]
    return problems
