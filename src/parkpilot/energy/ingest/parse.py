"""Payload bytes → a list of reading objects (one JSON object, or an array of them)."""

import json

import orjson
from django.utils.translation import gettext_noop

from parkpilot.energy.ingest.validate import Refused
from parkpilot.stored_text import stored


def parse_payload(payload: bytes | str) -> list | Refused:
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError:
        # orjson refuses NaN/Infinity literals; the stdlib reads them so that only the bad
        # reading is refused (as "value is NaN"), not the whole batch.
        try:
            data = json.loads(payload)
        except RecursionError:
            return Refused("payload", gettext_noop("The JSON is nested too deep."))
        except (ValueError, TypeError) as exc:
            # A huge integer (over 4,300 digits) is a ValueError too.
            return Refused(
                "payload", stored(gettext_noop("Invalid JSON: %(error)s."), error=str(exc))
            )
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return data
    return Refused("payload", gettext_noop("Must be a JSON object or an array."))
