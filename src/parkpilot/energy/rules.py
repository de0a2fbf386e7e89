"""Energy's access questions, asked by its pages, navigation and tiles (tenancy.access)."""

from parkpilot.tenancy.access import CHANGE, CREATE, READ, Rule
from parkpilot.tenancy.roles import Reach

METERS = Rule(READ, "energy.MeteringPoint")
# The data-quality desk works on every point of the park.
QUALITY = Rule(READ, "energy.DeadLetter", reach=Reach.PARK)
ACT_ON_QUALITY = Rule(CHANGE, "energy.DeadLetter")
IMPORT_READINGS = Rule(CREATE, "energy.IntakeJob")
MOVE_POINTS = Rule(CHANGE, "energy.MeteringPoint")
