"""Enterprise services' access questions, asked by its pages, navigation and tiles."""

from parkpilot.tenancy.access import CHANGE, READ, Rule
from parkpilot.tenancy.roles import Reach

REQUESTS = Rule(READ, "services.ServiceRequest")
PARK_REQUESTS = Rule(READ, "services.ServiceRequest", reach=Reach.PARK)
# Supervision (纪工委): whoever may write supervision cases.
SUPERVISION = Rule(CHANGE, "services.SupervisionCase")
SUPERVISION_DESK = Rule(READ, "services.SupervisionCase")
