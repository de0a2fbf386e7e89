"""Grid governance's own roles (declared on its AppConfig) and its role sets, defined once."""

from parkpilot.tenancy.roles import PARK_OPERATORS, PARK_ROLES

GRID_WORKER = "grid_worker"
GRID_SUPERVISOR = "grid_supervisor"
CITY_DEPARTMENT = "city_department"
# Read every case of the park: the management committee and the grid supervisors.
CASE_READERS = PARK_ROLES | {GRID_SUPERVISOR}
# Draw grids, name their workers, dispatch and close cases.
GRID_MANAGERS = PARK_OPERATORS | {GRID_SUPERVISOR}
# Read the park's roster and departments (who works where).
ROSTER_READERS = CASE_READERS | {GRID_WORKER, CITY_DEPARTMENT}
