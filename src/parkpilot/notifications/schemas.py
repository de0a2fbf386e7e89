from datetime import datetime

from ninja import Schema

from parkpilot.stored_text import shown


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_title(obj) -> str:
        return shown(obj.title)

    @staticmethod
    def resolve_body(obj) -> str:
        return shown(obj.body)


class UnreadOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int
