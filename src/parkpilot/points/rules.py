"""The points supermarket's access questions, asked by its pages and navigation."""

from parkpilot.tenancy.access import Rule

COUNTER = Rule("hand_over", "points.Redemption")
# The centre's staff: rules, goods, stock, bulk awards and the monthly report.
STAFF = Rule("create", "points.Good")
