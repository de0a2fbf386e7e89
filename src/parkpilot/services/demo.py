"""Demo service requests. The documents describe the 五个一 rule but no individual request, so
every request here is invented and shown as demo data (ServiceRequest.demo). Idempotent."""

import datetime
from zoneinfo import ZoneInfo

from parkpilot.demo.services import LoadReport, upsert
from parkpilot.services import sla
from parkpilot.services.models import EventKind, ServiceEvent, ServiceRequest, Status
from parkpilot.tenancy.models import Enterprise, Park, User

TZ = ZoneInfo("Asia/Shanghai")
# (enterprise, title, category, urgency, raised on, status, description, plan, resolution, rating)
REQUESTS = [
    (
        "杭叉集团股份有限公司",
        "新厂房用电增容",
        "energy",
        "urgent",
        "2026-10-09",
        Status.PLANNED,
        "新建智能工厂投产在即，需将专变容量由 4000 kVA 增至 8000 kVA。",
        "协调供电公司现场勘察并加快审批，同步推进线路改造。",
        "",
        None,
    ),
    (
        "杭叉集团股份有限公司",
        "员工通勤班车增开",
        "transport",
        "normal",
        "2026-11-03",
        Status.RESOLVED,
        "早高峰员工通勤班车满载，希望增开一班。",
        "数字公交增开 7:20 一班。",
        "已于 11 月 16 日起增开 7:20 班次。",
        None,
    ),
    (
        "浙江南都电源动力股份有限公司",
        "人才公寓申请",
        "talent",
        "normal",
        "2026-11-20",
        Status.SUBMITTED,
        "新引进研发人员 12 名，申请人才公寓。",
        "",
        "",
        None,
    ),
    (
        "浙江南都电源动力股份有限公司",
        "二期项目用地指标",
        "land",
        "normal",
        "2026-09-01",
        Status.CLOSED,
        "二期项目需新增用地指标约 30 亩。",
        "纳入年度供地计划，由自然资源部门牵头。",
        "用地指标已落实并完成挂牌。",
        5,
    ),
]


def load(*, park: Park, data: dict, report: LoadReport) -> None:
    staff = User.objects.filter(username="staff", park=park).first()
    for name, title, category, urgency, raised, status, desc, plan, resolution, rating in REQUESTS:
        enterprise = Enterprise.objects.filter(park=park, name=name).first()
        raiser = User.objects.filter(enterprise=enterprise).order_by("id").first()
        if enterprise is None or raiser is None or staff is None:
            continue
        day = datetime.date.fromisoformat(raised)
        at = datetime.datetime.combine(day, datetime.time(9, 30), tzinfo=TZ)
        due = sla.deadlines(park_id=park.pk, category=category, urgency=urgency, start=day)
        triaged = status != Status.SUBMITTED
        values = {
            "category": category,
            "urgency": urgency,
            "description": desc,
            "raised_by": raiser,
            "raised_at": at,
            "status": status,
            "contact": staff if triaged else None,
            "assigned_at": at + datetime.timedelta(hours=3) if triaged else None,
            "plan": plan,
            "plan_promised_on": due["resolve_due_on"] if plan else None,
            "planned_at": at + datetime.timedelta(days=1) if plan else None,
            "resolution": resolution,
            "resolved_at": at + datetime.timedelta(days=7) if resolution else None,
            "rating": rating,
            "confirmed_at": at + datetime.timedelta(days=8) if rating else None,
            "demo": True,
            **due,
        }
        existing = ServiceRequest.objects.filter(
            park=park, enterprise=enterprise, title=title
        ).first()
        if existing is not None:
            continue  # the park has been working on it since: leave it alone
        request = upsert(
            report,
            "service_request",
            ServiceRequest,
            {"park": park, "enterprise": enterprise, "title": title},
            values,
        )
        steps = [(EventKind.SUBMITTED, raiser, at, "", Status.SUBMITTED, title)]
        if triaged:
            steps.append(
                (
                    EventKind.ASSIGNED,
                    staff,
                    values["assigned_at"],
                    Status.SUBMITTED,
                    Status.ASSIGNED,
                    str(staff),
                )
            )
        if plan:
            steps.append(
                (
                    EventKind.PLANNED,
                    staff,
                    values["planned_at"],
                    Status.ASSIGNED,
                    Status.PLANNED,
                    plan,
                )
            )
        if resolution:
            steps.append(
                (
                    EventKind.RESOLVED,
                    staff,
                    values["resolved_at"],
                    Status.PLANNED,
                    Status.RESOLVED,
                    resolution,
                )
            )
        if rating:
            steps.append(
                (
                    EventKind.CONFIRMED,
                    raiser,
                    values["confirmed_at"],
                    Status.RESOLVED,
                    Status.CLOSED,
                    "",
                )
            )
        for kind, actor, when, before, after, text in steps:
            ServiceEvent.objects.create(
                request=request,
                kind=kind,
                actor=actor,
                at=when,
                from_status=before,
                to_status=after,
                text=text,
            )
            report.count("service_event", created=True, changed=True)
