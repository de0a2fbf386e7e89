from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import Argon2PasswordHasher

from parkpilot.tenancy.roles import Role


class ParkPilotBackend(ModelBackend):
    """Passwords sign people in; device gateways authenticate only with API tokens."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and user.role != Role.GATEWAY


class ParkPilotArgon2Hasher(Argon2PasswordHasher):
    """Argon2id at OWASP's recommended minimum (Password Storage Cheat Sheet: m=19 MiB, t=2,
    p=1). Django's default (p=8, 100 MiB) cost 0.5 s per sign-in on a 2-core server and one
    login per core at a time; this is ~0.09 s. Sign-ins are throttled (django-axes) besides."""

    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19456  # KiB
    parallelism = 1
