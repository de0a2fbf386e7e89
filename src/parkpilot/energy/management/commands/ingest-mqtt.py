"""`parkpilot ingest-mqtt`, as the issue spells it: the same command as ingest_mqtt."""

from parkpilot.energy.management.commands.ingest_mqtt import Command

__all__ = ["Command"]
