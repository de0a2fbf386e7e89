"""The sink registry's access questions, asked by its pages and navigation."""

from parkpilot.sinks.roles import SINKS_SELLER
from parkpilot.tenancy.access import READ, Rule
from parkpilot.tenancy.roles import Reach

REGISTRY = Rule(READ, "sinks.Issuance", reach=Reach.PARK)  # the park's registry and market
HOLDINGS = Rule(READ, "sinks.Block", reach=Reach.ENTERPRISE)  # an enterprise's own credits
# A seller's people: the projects they are named on (ProjectSeller), their sales and proceeds.
SELLER = Rule(READ, "sinks.SellerProject", roles=frozenset({SINKS_SELLER}))
