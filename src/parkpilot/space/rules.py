"""The space app's access questions, asked by its pages and navigation."""

from parkpilot.tenancy.access import CREATE, READ, Rule
from parkpilot.tenancy.roles import Reach

LAND = Rule(READ, "space.Parcel", reach=Reach.PARK)  # the park's parcels and buildings
LEASES = Rule(READ, "space.Lease")  # an enterprise's own leases, or the park's
MUJUN = Rule(READ, "space.Emissions")  # the 亩均 evaluation: staff all, an enterprise its own
KEEP_LAND = Rule(CREATE, "space.Parcel", reach=Reach.PARK)  # staff enter parcels, buildings, leases
KEEP_EMISSIONS = Rule(CREATE, "space.Emissions", reach=Reach.PARK)  # the 环境统计 tonnes
LADDER = Rule(READ, "space.IncubationSpace", reach=Reach.PARK)  # the ladder, its operators
KEEP_LADDER = Rule(CREATE, "space.IncubationSpace", reach=Reach.PARK)  # staff move enterprises
MY_LADDER = Rule(READ, "space.LadderStep", reach=Reach.ENTERPRISE)  # an enterprise's own steps
