"""`parkpilot mqtt-sync`: the same command as mqtt_sync."""

from parkpilot.energy.management.commands.mqtt_sync import Command

__all__ = ["Command"]
