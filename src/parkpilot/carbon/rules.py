"""Carbon's access questions, asked by its pages, navigation and tiles alike (tenancy.access)."""

from parkpilot.tenancy.access import CHANGE, CREATE, READ, Rule
from parkpilot.tenancy.roles import Reach

# The park's carbon pages sum every enterprise's account: whoever reads all of them.
PARK_CARBON = Rule(READ, "carbon.CarbonAccount", reach=Reach.PARK)
# An enterprise's own carbon page.
OWN_CARBON = Rule(READ, "carbon.CarbonAccount", reach=Reach.ENTERPRISE)
# Either of the two: the report list, the live pages.
CARBON = Rule(READ, "carbon.CarbonAccount")
REPORTS = Rule(READ, "carbon.Report")
# Editing the catalogue, budgets and settings.
EDIT_CATALOGUE = Rule(CHANGE, "carbon.EmissionFactor")
# Entering green-power purchases (park operators anywhere, an enterprise admin for its own).
ENTER_GREEN = Rule(CREATE, "carbon.GreenPowerPurchase")
