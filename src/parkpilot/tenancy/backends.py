from django.contrib.auth.backends import ModelBackend

from parkpilot.tenancy.roles import Role


class ParkPilotBackend(ModelBackend):
    """Passwords sign people in; device gateways authenticate only with API tokens."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and user.role != Role.GATEWAY
