"""`parkpilot import-readings FILE`: the same command as import_readings."""

from parkpilot.energy.management.commands.import_readings import Command

__all__ = ["Command"]
