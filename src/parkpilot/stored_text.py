"""Texts that are stored and shown later (a dead letter's reason, an import's message, a failed
report's error) are kept as their English msgid and parameters, and turned into the reader's
language when shown: a worker has no reader, and one row may be read in Chinese and in English.

    reason = stored(gettext_noop("Unknown point: %(code)s"), code=code)   # when writing
    {{ letter.reason|shown }}  /  shown(letter.reason)                    # when showing

A text without parameters is stored as its msgid alone; one with parameters as a small JSON
object (keys sorted, so equal refusals store equal texts and aggregate). Rows written before
(the old "中文 / English" texts, or text a person typed) are shown as they are.

A parameter whose name ends in `_msg` is itself a msgid (or a stored text), shown in the
reader's language too:

    stored(gettext_noop("%(flag_msg)s; %(why_msg)s"), flag_msg=..., why_msg=...)"""

import orjson
from django.utils.translation import gettext

_MARK = '{"msgid":'
# Parameters are user data echoed in a message: cut so a stored text stays within its column.
PARAM_CHARS = 120


def stored(msgid: str, /, **params) -> str:
    """`msgid` (marked with gettext_noop at the call) with `params`, as one storable text."""
    if not params:
        return msgid
    cut = {
        k: v[:PARAM_CHARS] if isinstance(v, str) and not k.endswith("_msg") else v
        for k, v in params.items()
    }  # a `_msg` is the platform's own text, never cut: it may be a stored text itself
    return orjson.dumps({"msgid": msgid, "params": cut}, option=orjson.OPT_SORT_KEYS).decode()


def shown(text) -> str:
    """A stored text in the active language."""
    if not text:
        return ""
    text = str(text)
    if text.startswith(_MARK):
        try:
            data = orjson.loads(text)
            params = {
                k: shown(v) if k.endswith("_msg") and isinstance(v, str) else v
                for k, v in data["params"].items()
            }
            return gettext(data["msgid"]) % params
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return text
    return gettext(text)


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, unless it is a stored text (msgid and parameters):
    cutting that would break it, and its parameters are cut already (PARAM_CHARS)."""
    text = str(text)
    return text if text.startswith(_MARK) else text[:limit]
