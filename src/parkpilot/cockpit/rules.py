"""Who opens the data cockpit: whoever reads every enterprise of the park (tenancy.access)."""

from parkpilot.tenancy.access import READ, Rule
from parkpilot.tenancy.roles import Reach

# The cockpit is the park's overview: its tiles sum every enterprise's figures.
COCKPIT = Rule(READ, "tenancy.Enterprise", reach=Reach.PARK)
# The drill-down: whoever reads metering points; how far each level goes is the access rule's
# (an enterprise's user opens only its own enterprise and its points).
DRILL = Rule(READ, "energy.MeteringPoint")
