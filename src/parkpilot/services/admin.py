"""Per-park SLA rules are configuration, kept in the admin. Requests, cases and notes are not
registered: they change only through the services (audited), and are never deleted."""

from django.contrib import admin

from parkpilot.services.models import SlaRule


@admin.register(SlaRule)
class SlaRuleAdmin(admin.ModelAdmin):
    list_display = ("park", "category", "urgency", "response_days", "plan_days", "resolve_days")
    list_filter = ("park", "category", "urgency")
