"""Economy's access questions, asked by its pages, navigation and tiles (tenancy.access)."""

from parkpilot.tenancy.access import CREATE, READ, Rule
from parkpilot.tenancy.roles import Reach

# Park indicators sum every enterprise's confidential monthly returns.
PARK_ECONOMY = Rule(READ, "economy.EnterpriseMonthly", reach=Reach.PARK)
MONTHLY = Rule(READ, "economy.EnterpriseMonthly")
OWN_MONTHLY = Rule(READ, "economy.EnterpriseMonthly", reach=Reach.ENTERPRISE)
ENTER_MONTHLY = Rule(CREATE, "economy.EnterpriseMonthly")
IMPORT_WORKBOOK = Rule(CREATE, "economy.ImportBatch")
