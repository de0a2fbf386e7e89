"""Filing refused readings as dead letters, bounded whatever a writer sends.

- **Aggregated**: refusals with the same writer (park, source, gateway), point, field and reason
  within `AGGREGATE_WINDOW_S` are one letter with a count, the first refusal's time
  (`received_at`) and the last one's (`last_at`). Its `raw` is the first refusal's payload.
- **Rate-limited**: a writer files at most `LETTER_BUDGET` new letters per `BUDGET_WINDOW_S`;
  refusals over the budget are counted into one "over budget" letter per writer and window,
  whose raw is the first of them. So a flood costs a few rows, not one per reading.
- **Size-capped**: `raw` keeps at most `MAX_RAW_CHARS` characters; `raw_bytes` and `raw_sha256`
  describe the whole payload, so a truncated letter still says what arrived.

Every text is made storable first: PostgreSQL refuses NUL characters and UTF-8 cannot encode a
lone surrogate, and neither may turn one bad reading into a failed batch."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from django.db.models import F
from django.utils.translation import gettext_noop

from parkpilot.energy.models import DeadLetter
from parkpilot.stored_text import stored

MAX_RAW_CHARS = 4096
AGGREGATE_WINDOW_S = 3600
LETTER_BUDGET = 200
BUDGET_WINDOW_S = 60
OVER_BUDGET_FIELD = "rate_limit"
OVER_BUDGET_REASON = stored(
    gettext_noop(
        "Over %(most)d refusals per %(s)d s: counted here, the payload of the first one kept."
    ),
    most=LETTER_BUDGET,
    s=BUDGET_WINDOW_S,
)


@dataclass
class Refusal:
    raw: bytes  # the refused payload as received (or re-serialised)
    field: str
    reason: str
    point_code: str = ""


def raw_bytes_of(item) -> bytes:
    """A parsed reading back as JSON bytes. orjson cannot write integers beyond 64 bits or lone
    surrogates; the stdlib can (escaping them)."""
    try:
        return orjson.dumps(item)
    except TypeError:
        pass
    try:
        return json.dumps(item, ensure_ascii=True).encode()
    except (TypeError, ValueError, RecursionError):
        return b"<not representable as JSON>"


def storable(text: str) -> str:
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _letter_fields(raw: bytes) -> dict:
    text = storable(raw[: MAX_RAW_CHARS * 4].decode("utf-8", "replace"))[:MAX_RAW_CHARS]
    return {"raw": text, "raw_bytes": len(raw), "raw_sha256": hashlib.sha256(raw).hexdigest()}


def file_refusals(
    *,
    park_id: int | None,
    source: str,
    gateway_id: int | None,
    refusals: list[Refusal],
    received_at: datetime,
) -> None:
    """File `refusals` (one batch's) as dead letters; runs inside the batch's transaction."""
    if not refusals:
        return
    groups: dict[tuple[str, str, str], list] = {}  # key → [first refusal, count]
    for refusal in refusals:
        key = (
            storable(refusal.point_code)[:64],
            refusal.field[:32],
            storable(refusal.reason)[:300],
        )
        group = groups.setdefault(key, [refusal, 0])
        group[1] += 1
    writer = DeadLetter.objects.filter(park_id=park_id, source=source, gateway_id=gateway_id)
    _add_to_open_letters(writer, groups, received_at)
    if not groups:
        return
    recent = writer.filter(received_at__gte=received_at - timedelta(seconds=BUDGET_WINDOW_S))
    budget = max(0, LETTER_BUDGET - recent.count())
    keys = list(groups)
    new, over = keys[:budget], keys[budget:]
    letters = [_letter(park_id, source, gateway_id, key, *groups[key], received_at) for key in new]
    if over:
        first = groups[over[0]][0]
        count = sum(groups[key][1] for key in over)
        over_key = ("", OVER_BUDGET_FIELD, OVER_BUDGET_REASON)
        over_groups = {over_key: [first, count]}
        _add_to_open_letters(writer, over_groups, received_at)
        if over_groups:
            letters.append(
                _letter(park_id, source, gateway_id, over_key, first, count, received_at)
            )
    DeadLetter.objects.bulk_create(letters)


def _add_to_open_letters(writer, groups: dict, received_at: datetime) -> None:
    """Count the groups that repeat an open letter of the window into it (and drop them from
    `groups`)."""
    since = received_at - timedelta(seconds=AGGREGATE_WINDOW_S)
    codes = {key[0] for key in groups}
    open_letters = writer.filter(
        status=DeadLetter.Status.OPEN, last_at__gte=since, point_code__in=codes
    ).values_list("pk", "point_code", "field", "reason")
    for pk, code, field_name, reason in open_letters:
        group = groups.pop((code, field_name, reason), None)
        if group is not None:
            DeadLetter.objects.filter(pk=pk).update(
                count=F("count") + group[1], last_at=received_at
            )


def _letter(park_id, source, gateway_id, key, first: Refusal, count: int, received_at):
    code, field_name, reason = key
    return DeadLetter(
        park_id=park_id,
        received_at=received_at,
        last_at=received_at,
        count=count,
        source=source,
        gateway_id=gateway_id,
        point_code=code,
        field=field_name,
        reason=reason,
        **_letter_fields(first.raw),
    )
