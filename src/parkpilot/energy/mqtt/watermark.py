"""The committed watermark of each gateway (the end-to-end protocol, docs/energy-mqtt.md): the
worker records the sequence numbers it commits in the same transaction as their readings, and
publishes each gateway's watermark, retained, on `parkpilot/<park>/watermark/<gateway>`."""

from parkpilot.energy.models_watermark import GatewayWatermark
from parkpilot.energy.mqtt.config import WATERMARKS_FILTER, watermark_topic

__all__ = ["WATERMARKS_FILTER", "record_committed", "watermark_of", "watermark_topic"]

MAX_SEQ = 2**53  # a JSON number every gateway can write exactly
MAX_ABOVE = 100_000  # committed numbers kept above an open gap; beyond: the gap is a lost cause


def record_committed(committed: dict[int, set[int]]) -> dict[int, dict]:
    """Inside the transaction that stores the messages: add their sequence numbers to each
    gateway's record; returns {gateway id: its watermark message}, `{"seq": n}`, with
    `"gap_end": m` when messages from m on are committed above a gap (n < seq < m is missing:
    what the gateway should resend). Rows are locked in id order, so workers
    committing the same gateways in parallel wait for each other instead of deadlocking."""
    if not committed:
        return {}
    ids = sorted(committed)
    GatewayWatermark.objects.bulk_create(
        [GatewayWatermark(gateway_id=i) for i in ids], ignore_conflicts=True
    )
    marks = {}
    rows = GatewayWatermark.objects.select_for_update().filter(gateway_id__in=ids)
    for row in rows.order_by("gateway_id"):
        before = list(row.above)
        moved = row.advance(committed[row.gateway_id])
        if len(row.above) > MAX_ABOVE:
            # A gateway that skipped numbers (lost its counter) would otherwise grow this list
            # for good: jump over the oldest gap, as the protocol tells it to resume from here.
            row.seq, row.above = row.above[-1], []
            moved = True
        if moved or row.above != before:
            row.save(update_fields=["seq", "above", "updated_at"])
        marks[row.gateway_id] = watermark_message(row)
    return marks


def watermark_message(row: GatewayWatermark) -> dict:
    return {"seq": row.seq, "gap_end": row.above[0]} if row.above else {"seq": row.seq}


def watermark_of(gateway_id: int) -> int:
    return (
        GatewayWatermark.objects.filter(gateway_id=gateway_id).values_list("seq", flat=True).first()
        or 0
    )
