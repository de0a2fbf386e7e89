"""Tenancy's access questions, asked by its pages, navigation and cards (tenancy.access)."""

from parkpilot.tenancy.access import CHANGE, READ, Rule
from parkpilot.tenancy.roles import Reach

ENTERPRISES = Rule(READ, "tenancy.Enterprise")
OWN_ENTERPRISE = Rule(READ, "tenancy.Enterprise", reach=Reach.ENTERPRISE)
AUDIT_LOG = Rule(READ, "tenancy.AuditLog")
# The park's people: who may see everyone's tokens, lift a lockout.
MANAGE_PEOPLE = Rule(CHANGE, "tenancy.User")
# The people pages: a park admin's whole park, an enterprise admin's own staff.
PEOPLE = Rule(READ, "tenancy.User")
# API tokens are personal: a person with an account of the park's or an enterprise's.
TOKENS = Rule(READ, "tenancy.Enterprise")
