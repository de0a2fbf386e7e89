from datetime import datetime

from ninja import Field, Schema

from parkpilot.stored_text import shown


class AlertOut(Schema):
    id: int
    kind: str
    kind_label: str
    subject: str
    title: str
    detail: str
    link: str
    state: str
    enterprise_id: int | None
    raised_at: datetime
    acknowledged_at: datetime | None
    escalated_at: datetime | None
    closed_at: datetime | None
    close_reason: str

    @staticmethod
    def resolve_title(obj) -> str:
        return shown(obj.title)

    @staticmethod
    def resolve_detail(obj) -> str:
        return shown(obj.detail)

    @staticmethod
    def resolve_kind_label(obj) -> str:
        from parkpilot.alerts.selectors import kind_label

        return kind_label(obj.kind)


class CloseIn(Schema):
    reason: str = Field("", max_length=300)
