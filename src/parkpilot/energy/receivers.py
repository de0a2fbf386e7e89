"""Energy's answers to other layers' events (connected in EnergyConfig.ready)."""

from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from parkpilot.energy.gateways import gateway_mqtt_credentials_revoke
from parkpilot.tenancy.models import ApiToken
from parkpilot.tenancy.roles import Role
from parkpilot.tenancy.signals import api_token_revoked


@receiver(api_token_revoked, dispatch_uid="parkpilot.energy.gateway_token_revoked")
def _gateway_token_revoked(sender, token: ApiToken, actor, via: str, **kwargs) -> None:
    """A gateway whose last live token is revoked loses its MQTT login too, in the same
    transaction; the broker's files are rewritten after the commit. (A gateway rotating its
    token, new one first, keeps its MQTT login.)"""
    gateway = token.user
    if gateway.role != Role.GATEWAY or gateway.park_id is None:
        return
    live = ApiToken.objects.filter(user=gateway, revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
    )
    if not live.exists():
        # The system acts: the revocation itself is audited with the person who asked for it.
        gateway_mqtt_credentials_revoke(actor=None, via=via, gateway=gateway)
