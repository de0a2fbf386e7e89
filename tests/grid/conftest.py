import datetime

import pytest

from parkpilot.grid import services
from parkpilot.grid.models import GRID_SUPERVISOR, GRID_WORKER, Duty, Shift
from parkpilot.tenancy.models import Role, User

# A 2 x 2 layout over a square near the park (lon 119.80-119.82, lat 30.24-30.26), WGS84.
LON0, LAT0, STEP = 119.80, 30.24, 0.01
SINCE = datetime.date(2026, 1, 1)  # rosters in force before every date the tests use


def square(col: int, row: int, cols: int = 1, rows: int = 1, step: float = STEP) -> dict:
    x0, y0 = LON0 + col * step, LAT0 + row * step
    x1, y1 = x0 + cols * step, y0 + rows * step
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def code(seq: int, community: int = 1) -> str:
    return services.grid_code(district="330112", street="003", community=community, sequence=seq)


def person(username, park, role=Role.RESIDENT, granted=(), **extra):
    return User.objects.create_user(
        username=username, password=f"pw-{username}", role=role, park=park,
        granted_roles=list(granted), **extra,
    )  # fmt: skip


@pytest.fixture
def layout(park, personas):
    """Four grids A1 A2 B1 B2 (sequence 1-4), drawn by park staff."""
    redraw = services.grids_redraw(
        actor=personas["park_staff"], park=park, retire=[],
        new=[{"code": code(i + 1), "name": f"网格{i + 1}", "boundary": square(i % 2, i // 2)}
             for i in range(4)],
    )  # fmt: skip
    return list(redraw.created.order_by("code"))


@pytest.fixture
def worker(park, layout, personas):
    """A resident who works grid 1 day and night (granted the app's role)."""
    user = person("worker1", park, granted=[GRID_WORKER])
    services.member_add(actor=personas["park_staff"], grid=layout[0], user=user, shift=Shift.ALL,
                            valid_from=SINCE)  # fmt: skip
    return user


@pytest.fixture
def worker2(park, layout, personas):
    user = person("worker2", park, granted=[GRID_WORKER])
    services.member_add(actor=personas["park_staff"], grid=layout[1], user=user, valid_from=SINCE)
    return user


@pytest.fixture
def supervisor(park, layout, personas):
    user = person("gridsup", park, role=Role.PARK_STAFF, granted=[GRID_SUPERVISOR])
    for grid in layout:
        services.member_add(actor=personas["park_staff"], grid=grid, user=user,
                            duty=Duty.SUPERVISOR, valid_from=SINCE)  # fmt: skip
    return user


@pytest.fixture
def departments(park):
    return services.departments_ensure(park=park)
