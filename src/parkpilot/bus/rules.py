"""The digital bus's access questions, asked by its pages, navigation and tiles."""

from parkpilot.bus.models import DISPATCHER, DRIVER
from parkpilot.tenancy.access import READ, Rule
from parkpilot.tenancy.roles import Reach

# The network, its vehicles and figures: the park's staff and the dispatchers.
NETWORK = Rule(READ, "bus.Vehicle", reach=Reach.PARK)
# A driver's own duties (the dispatcher may stand in).
DRIVING = Rule("board", "bus.Booking", roles=frozenset({DRIVER, DISPATCHER}))
# An enterprise's commute passes: its administrator sees its own staff's use.
STAFF_USE = Rule(READ, "bus.Booking", reach=Reach.ENTERPRISE)
