"""The worker's handling of what arrives, without a broker: topics, bad payloads, batching."""

import orjson
import pytest

from parkpilot.energy.models import DeadLetter, Reading
from parkpilot.energy.mqtt.config import MqttConfig, parse_partition, subscription_filter
from parkpilot.energy.mqtt.worker import IngestWorker, Message
from parkpilot.stored_text import shown

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(tmp_path):
    config = MqttConfig("127.0.0.1", 1, "", "", tmp_path / "p", tmp_path / "a", None)
    return IngestWorker(config=config, client_id="t", rollup=False)


def _message(topic, payload):
    return Message(topic=topic, payload=payload, mid=1, qos=0, generation=0)


def _reading(code, minute=0, value=1.0):
    return {"point": code, "ts": f"2026-11-01T08:{minute:02d}:00+08:00", "value": value}


def test_subscription_filters():
    assert subscription_filter("shared") == "$share/parkpilot/parkpilot/+/readings/+"
    assert subscription_filter("exclusive") == "parkpilot/+/readings/+"
    with pytest.raises(ValueError):
        subscription_filter("both")
    assert parse_partition("1/3") == (0, 3)
    assert parse_partition("3/3") == (2, 3)
    for bad in ("0/3", "4/3", "x/2", "2"):
        with pytest.raises(ValueError, match="K/N"):
            parse_partition(bad)


@pytest.mark.parametrize(
    "topic,reason",
    [
        ("parkpilot/qsh/other/gateway", "主题格式不对"),
        ("parkpilot/nowhere/readings/gateway", "未知园区：nowhere"),
        ("parkpilot/qsh/readings/staff", "未知网关：staff"),  # a person, not a gateway
        ("parkpilot/other/readings/gateway", "未知网关：gateway"),  # not of that park
    ],
)
def test_a_topic_naming_no_known_gateway_is_a_dead_letter(
    topic, reason, worker, make_point, other_park
):
    make_point("m1")
    worker._handle([_message(topic, orjson.dumps([_reading("m1")]))])
    letter = DeadLetter.objects.get()
    assert (letter.source, letter.field) == ("mqtt", "topic")
    assert reason in shown(letter.reason)
    assert letter.raw.startswith(topic + "\n")
    assert Reading.objects.count() == 0


def test_messages_of_one_gateway_are_one_ingest_and_bad_ones_dead_letters(
    worker, make_point, personas
):
    make_point("m1")
    make_point("m2")
    topic = "parkpilot/qsh/readings/gateway"
    batch = [
        _message(topic, orjson.dumps([_reading("m1", 0), _reading("m2", 0)])),
        _message(topic, b"not json"),
        _message(topic, orjson.dumps(_reading("m1", 1, 2.0))),
        _message(topic, orjson.dumps(_reading("m1", 1, 2.0))),  # redelivered
    ]
    worker._handle(batch)
    assert Reading.objects.count() == 3
    assert list(DeadLetter.objects.values_list("field", "gateway_id")) == [
        ("payload", personas["gateway"].pk)
    ]
    stats = worker.stats
    assert (stats.messages, stats.accepted, stats.duplicates, stats.rejected) == (4, 3, 1, 1)


def test_services_sh_configures_the_system_broker_as_the_tests_run_theirs():
    """scripts/services.sh's Mosquitto drop-in carries the same zero-loss settings as the
    brokers the tests and benchmarks start (broker_config)."""
    import re
    from pathlib import Path

    from parkpilot.energy.mqtt.broker import ZERO_LOSS_SETTINGS, broker_config

    script = (Path(__file__).parents[2] / "scripts" / "services.sh").read_text()
    dropin = re.search(r"want=\$'([^']*)'", script).group(1).split("\\n")
    assert [line for line in dropin if line in ZERO_LOSS_SETTINGS] == list(ZERO_LOSS_SETTINGS)
    ours = broker_config(port=1, directory=Path("/x"), password_file=None, acl_file=None)
    assert set(ZERO_LOSS_SETTINGS) <= set(ours.splitlines())
    assert "max_queued_messages 0" in dropin  # the default (1000) drops QoS 1 messages
