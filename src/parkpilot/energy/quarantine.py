"""Isolation for the rollup stage: a point whose part of a pass fails is set aside with the
reason (PointQuarantine), so every other point keeps flowing, and retried after a fix.

Its readings stay in the table and its work is not lost: the time span its batches added is
kept on the quarantine row, and a retry recomputes the point over that span. Retries come by
themselves with exponential backoff (`RETRY_FIRST_S` doubling up to `RETRY_MAX_S`), or at once
when staff press "retry" on the data-quality page (services.quarantine_retry)."""

import logging
from datetime import timedelta

from django.utils import timezone

from parkpilot.energy.models_quality import PointQuarantine

RETRY_FIRST_S = 60
RETRY_MAX_S = 3600

log = logging.getLogger(__name__)


def backoff_s(attempts: int) -> int:
    return min(RETRY_MAX_S, RETRY_FIRST_S * 2 ** max(0, attempts - 1))


def set_aside(spans: dict[int, list[float]], chains: dict) -> set[int]:
    """Take quarantined points out of this pass (their new spans join the quarantine row),
    except those due for a retry: they are put in, over their whole span, to be recomputed.
    Returns the points being retried."""
    rows = list(PointQuarantine.objects.all())
    if not rows:
        return set()
    now = timezone.now()
    retrying = set()
    for row in rows:
        added = spans.pop(row.point_id, None)
        chains.pop(row.point_id, None)
        if added is not None:
            row.span_lo, row.span_hi = min(row.span_lo, added[0]), max(row.span_hi, added[1])
        if row.retry_at <= now:
            spans[row.point_id] = [row.span_lo, row.span_hi]
            chains[row.point_id] = None  # recompute from the readings
            retrying.add(row.point_id)
        elif added is not None:
            row.save(update_fields=["span_lo", "span_hi"])
    return retrying


def record(failed: list[tuple[int, list[float], BaseException]]) -> None:
    """Quarantine each failed point with its reason; again-failing ones back off further."""
    now = timezone.now()
    for point_id, span, exc in failed:
        reason = f"{type(exc).__name__}: {exc}"[:500]
        log.warning("rollup: point %s quarantined: %s", point_id, reason, exc_info=exc)
        row = PointQuarantine.objects.filter(point_id=point_id).first()
        if row is None:
            row = PointQuarantine(point_id=point_id, since=now, attempts=0)
            row.span_lo, row.span_hi = span
        row.attempts += 1
        row.reason = reason
        row.span_lo, row.span_hi = min(row.span_lo, span[0]), max(row.span_hi, span[1])
        row.retry_at = now + timedelta(seconds=backoff_s(row.attempts))
        row.save()


def release(retried: set[int], written: list[int]) -> None:
    """Points retried and written this pass leave quarantine."""
    cleared = retried.intersection(written)
    if cleared:
        PointQuarantine.objects.filter(point_id__in=cleared).delete()
