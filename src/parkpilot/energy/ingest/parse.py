"""Payload bytes → a list of reading objects (one JSON object, or an array of them)."""

import json

import orjson

from parkpilot.energy.ingest.validate import Refused


def parse_payload(payload: bytes | str) -> list | Refused:
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError:
        # orjson refuses NaN/Infinity literals; the stdlib reads them so that only the bad
        # reading is refused (as "value is NaN"), not the whole batch.
        try:
            data = json.loads(payload)
        except RecursionError:
            return Refused("payload", "JSON 嵌套过深 / JSON nested too deep")
        except (ValueError, TypeError) as exc:
            # A huge integer (over 4,300 digits) is a ValueError too.
            return Refused("payload", f"不是有效的 JSON / invalid JSON: {str(exc)[:200]}")
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return data
    return Refused("payload", "须为 JSON 对象或数组 / must be a JSON object or an array")
