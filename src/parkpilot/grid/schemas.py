from datetime import date, datetime

from ninja import Schema


class GridOut(Schema):
    id: int
    code: str
    name: str
    boundary: dict
    valid_from: datetime
    valid_to: datetime | None


class CaseOut(Schema):
    id: int
    grid_id: int
    grid_code: str
    category: str
    category_label: str
    description: str
    lon: float
    lat: float
    status: str
    status_label: str
    public: bool
    department_id: int | None
    reported_at: datetime
    due_on: date
    department_due_on: date | None
    supporters: int
    reopened: int
    rating: int | None

    @staticmethod
    def resolve_grid_code(obj) -> str:
        return obj.grid.code

    @staticmethod
    def resolve_category_label(obj) -> str:
        from parkpilot.grid.catalogue import event

        found = event(obj.category)
        return str(found.label) if found else obj.category

    @staticmethod
    def resolve_status_label(obj) -> str:
        return str(obj.get_status_display())


class LocateOut(Schema):
    grid: GridOut | None
    lon: float
    lat: float
