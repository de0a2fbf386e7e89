"""Events of the tenancy layer that other apps act on without tenancy importing them."""

from django.dispatch import Signal

# Sent inside the revoking transaction with token=, actor=, via=: a receiver's writes commit
# or roll back with the revocation (energy revokes a gateway's MQTT login).
api_token_revoked = Signal()
