"""The alerts app's access questions (tenancy.access), asked by its page and navigation."""

from parkpilot.tenancy.access import READ, Rule

ALERTS = Rule(READ, "alerts.Alert")
