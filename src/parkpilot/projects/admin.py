"""Per-park alert thresholds are configuration, kept in the admin. Ledger rows are not
registered: they change only through the services (audited), and are never deleted."""

from django.contrib import admin

from parkpilot.projects.models import AlertRule


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ("park", "no_update_days", "escalate_after_days")
