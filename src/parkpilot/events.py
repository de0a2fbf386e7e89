"""Events between apps, so that apps never import each other to react to one another (points
awarded for an accepted report, a grid case opened from a bus complaint).

An app emits a named event inside its service, `events.emit("services.request_confirmed",
request_id=..., park_id=...)`, and lists it on its AppConfig as `events_emitted`; another app
handles it with `event_handlers = {"services.request_confirmed": "dotted.path.handler"}`.
Handlers run after the emitting transaction commits (never for a change that rolled back), each
in its own transaction; one that fails is logged and the others still run. A handler with slow
work enqueues a task of its own app."""

import logging

from django.db import transaction
from django.utils.module_loading import import_string

from parkpilot.plugins import collected, declared

log = logging.getLogger(__name__)


def emit(name: str, **payload) -> None:
    if name not in emitted():
        raise ValueError(f"event {name!r} is not in any app's events_emitted")
    transaction.on_commit(lambda: dispatch(name, payload))


def dispatch(name: str, payload: dict) -> int:
    """Call every app's handler of this event; returns how many ran to the end."""
    done = 0
    for config, handlers in declared("event_handlers"):
        path = handlers.get(name)
        if not path:
            continue
        try:
            with transaction.atomic():
                import_string(path)(**payload)
            done += 1
        except Exception:
            log.exception("%s: handler %s of %s failed", config.label, path, name)
    return done


def emitted() -> frozenset[str]:
    return frozenset(collected("events_emitted"))


def handled() -> dict[str, list[str]]:
    """Event name → the handlers' dotted paths, for the check that none waits on nothing."""
    found: dict[str, list[str]] = {}
    for _config, handlers in declared("event_handlers"):
        for name, path in handlers.items():
            found.setdefault(name, []).append(path)
    return found
