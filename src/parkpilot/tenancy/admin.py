"""Django admin, for superusers only. Domain writes go through services (validated, audited),
so the admin is read-only for tenant data; users are managed here with each change audited."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from parkpilot.tenancy.audit import audit_record, changed_only, snapshot
from parkpilot.tenancy.models import ApiToken, AuditLog, Enterprise, Park, User, Zone

USER_AUDIT_FIELDS = ["username", "role", "park", "enterprise", "is_active", "is_superuser"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Park, Zone)
class ParkStructureAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "code"]


@admin.register(Enterprise)
class EnterpriseAdmin(ReadOnlyAdmin):
    list_display = ["name", "credit_code", "industry_code", "zone", "above_scale"]
    search_fields = ["name", "credit_code"]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "via", "action", "object_repr"]
    list_filter = ["action", "via"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]


@admin.register(User)
class ParkPilotUserAdmin(UserAdmin):
    list_display = ["username", "display_name", "role", "park", "enterprise", "is_active"]
    fieldsets = (
        *UserAdmin.fieldsets,
        ("ParkPilot", {"fields": ("display_name", "role", "park", "enterprise")}),
    )

    def save_model(self, request, obj, form, change):
        before = snapshot(User.objects.get(pk=obj.pk), USER_AUDIT_FIELDS) if change else {}
        super().save_model(request, obj, form, change)
        old, new = changed_only(before, snapshot(obj, USER_AUDIT_FIELDS))
        audit_record(
            actor=request.user,
            via="admin",
            action="user.update" if change else "user.create",
            obj=obj,
            before=old or None,
            after=new,
            park_id=obj.park_id,
        )

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: audit rows keep pointing at the person
