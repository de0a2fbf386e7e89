"""The projects ledger's access questions, asked by its pages, navigation, tiles and cards."""

from parkpilot.tenancy.access import READ, Rule
from parkpilot.tenancy.roles import Reach

LEDGER = Rule(READ, "projects.Project")
PARK_LEDGER = Rule(READ, "projects.Project", reach=Reach.PARK)
