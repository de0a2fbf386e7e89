"""The risk pool's access questions, asked by its pages and navigation."""

from parkpilot.tenancy.access import READ, Rule
from parkpilot.tenancy.roles import Reach

POOL = Rule(READ, "talent.Pool", reach=Reach.PARK)  # the park's pool overview
MY_LOANS = Rule(READ, "talent.Loan", reach=Reach.ENTERPRISE)  # an enterprise's own loans
BANK_LOANS = Rule(READ, "talent.BankLoan", reach=Reach.ENTERPRISE)  # the bank's pool loans
