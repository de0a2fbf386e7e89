"""The `parkpilot` console command: Django's management commands plus ParkPilot's own
(demo, serve, token, ...), all run with ParkPilot's settings."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkpilot.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["parkpilot", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
