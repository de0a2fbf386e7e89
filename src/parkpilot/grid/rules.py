"""Grid governance's access questions, asked by its pages, navigation entries and tile."""

from parkpilot.grid.roles import CITY_DEPARTMENT, GRID_SUPERVISOR, GRID_WORKER
from parkpilot.tenancy.access import READ, Rule
from parkpilot.tenancy.roles import PARK_OPERATORS, Reach

# Anyone of the park reports and follows the published cases (the residents' front door).
REPORT = Rule(READ, "grid.PublicCase")
# The worker's and the department's list of work: a page of their own work.
WORK = Rule(READ, "grid.GridMember", roles=frozenset({GRID_WORKER, CITY_DEPARTMENT}))
# The map of grids and every open case, the per-grid figures and the cockpit tile: the park's.
PARK_CASES = Rule(READ, "grid.Case", reach=Reach.PARK)
# Drawing grids: park operators and grid supervisors.
DRAW = Rule("change", "grid.Grid", roles=PARK_OPERATORS | {GRID_SUPERVISOR})
