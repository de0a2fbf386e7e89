"""The event catalogue: the classes of events a person can report, aligned with the event classes
of GB/T 30428.2 (数字化城市管理信息系统 第2部分：管理部件和事件): 市容环境, 宣传广告, 施工管理,
突发事件, 街面秩序, and the standard's 扩展 class for what the park adds (traffic hazards and
non-motor-vehicle order, the 2020 yearbook's campaign). The class names follow the standard; the
sub-class numbering after the class is this catalogue's own (not the standard's table).

Each event carries its SLA in working days on the working calendar (parkpilot.workcalendar: 0 =
the same working day) and the department a worker hands it to when the grid cannot solve it."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class EventClass:
    code: str  # "01"
    label: str | Promise


@dataclass(frozen=True)
class EventType:
    code: str  # "01.02": class code, then the sub-class
    label: str | Promise
    sla_days: int  # working days to resolve (0: the same working day)
    department: str  # code of the department it goes to when referred
    description: str | Promise = ""

    @property
    def event_class(self) -> EventClass:
        return CLASSES[self.code.split(".")[0]]


CLASSES = {
    c.code: c
    for c in (
        EventClass("01", pgettext_lazy("GB/T 30428 event class", "City appearance")),
        EventClass("02", pgettext_lazy("GB/T 30428 event class", "Advertising")),
        EventClass("03", pgettext_lazy("GB/T 30428 event class", "Construction")),
        EventClass("04", pgettext_lazy("GB/T 30428 event class", "Emergencies")),
        EventClass("05", pgettext_lazy("GB/T 30428 event class", "Street order")),
        EventClass("06", pgettext_lazy("GB/T 30428 event class", "Extended")),
    )
}

EVENTS = {
    e.code: e
    for e in (
        EventType("01.01", _("Exposed rubbish"), 1, "chengguan"),
        EventType("01.02", _("Dirty road surface"), 1, "chengguan"),
        EventType("01.03", _("Unauthorised structure"), 5, "chengguan"),
        EventType("01.04", _("Untidy green space"), 2, "chengguan"),
        EventType("02.01", _("Illegal small advertisements"), 2, "chengguan"),
        EventType("03.01", _("Construction noise or dust"), 1, "huanbao"),
        EventType("03.02", _("Spillage from construction vehicles"), 1, "chengguan"),
        EventType("04.01", _("Road collapse or missing manhole cover"), 0, "chengguan"),
        EventType("05.01", _("Street vending on the pavement"), 1, "chengguan"),
        EventType("05.02", _("Non-motor vehicles parked in disorder"), 1, "jiaojing"),
        EventType("05.03", _("Cars parked illegally"), 1, "jiaojing"),
        EventType("06.01", _("Traffic hazard"), 2, "jiaojing"),
        EventType("06.02", _("Pollution (water, air, smell)"), 2, "huanbao"),
        EventType("06.03", _("Neighbourhood dispute"), 3, "jiedao"),
    )
}

# The departments a case is referred to; each takes it with its own SLA (working days).
DEPARTMENTS = (
    ("chengguan", _("City management (城管)"), 3),
    ("jiaojing", _("Traffic police (交警)"), 3),
    ("huanbao", _("Environmental protection (环保)"), 5),
    ("jiedao", _("Qingshanhu Subdistrict (街道)"), 5),
)


def event(code: str) -> EventType | None:
    return EVENTS.get(code)


def choices() -> list[tuple[str, str]]:
    return [(e.code, f"{e.event_class.label} · {e.label}") for e in EVENTS.values()]
