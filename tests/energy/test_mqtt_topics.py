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


# --- other apps' messages through the same door (plugins.MqttTopic) -------------------------
# The bus declares "bus-positions" (BusConfig.mqtt_topics): a gateway's GPS fixes of the fleet.


def _fix(vehicle="QS-01", **changes):
    return {"vehicle": vehicle, "lat": 30.2351, "lon": 119.8123,
            "ts": "2026-11-01T08:15:00+08:00", **changes}  # fmt: skip


def test_the_worker_subscribes_to_the_apps_topics_too():
    from parkpilot.energy.mqtt.config import subscription_filters

    assert subscription_filters("shared", {"bus-positions": "x"}) == [
        "$share/parkpilot/parkpilot/+/readings/+",
        "$share/parkpilot/parkpilot/+/bus-positions/+",
    ]
    assert subscription_filters("exclusive", ["bus-positions"])[1] == "parkpilot/+/bus-positions/+"


def test_a_bus_fix_is_stored_beside_readings_and_a_bad_one_is_a_dead_letter(
    worker, make_point, personas, park
):
    from parkpilot.bus.models import Vehicle, VehiclePosition

    make_point("m1")
    Vehicle.objects.create(park=park, code="QS-01", seats=30)
    readings, fixes = "parkpilot/qsh/readings/gateway", "parkpilot/qsh/bus-positions/gateway"
    worker._handle([
        _message(readings, orjson.dumps([_reading("m1", 0)])),
        _message(fixes, orjson.dumps([_fix(), _fix(ts="2026-11-01T08:15:30+08:00")])),
        _message(fixes, orjson.dumps(_fix(lat=95))),  # off the globe
        _message(fixes, orjson.dumps(_fix("QS-99"))),  # no such bus in this park
        _message(fixes, orjson.dumps([_fix(), _fix(ts="not a time")])),  # one bad: none stored
        _message(readings, orjson.dumps([_reading("m1", 1, 2.0)])),
    ])  # fmt: skip
    assert Reading.objects.count() == 2
    stored = VehiclePosition.objects.order_by("at").values_list("vehicle__code", "lat", "lon")
    assert [(code, float(lat), float(lon)) for code, lat, lon in stored] == [
        ("QS-01", 30.2351, 119.8123),
        ("QS-01", 30.2351, 119.8123),
    ]
    letters = DeadLetter.objects.order_by("id")
    assert [(x.field, x.gateway_id) for x in letters] == [
        ("lat", personas["gateway"].pk), ("vehicle", personas["gateway"].pk),
        ("ts", personas["gateway"].pk),
    ]  # fmt: skip
    assert "纬度" in shown(letters[0].reason)  # the msgid, shown in the reader's language
    assert letters[1].raw.startswith(fixes + "\n")
    assert worker.stats.accepted == 4  # 2 readings and 2 fixes


def test_a_gcj02_fix_is_stored_in_wgs84(worker, park, personas):
    from parkpilot.bus.models import Vehicle, VehiclePosition

    Vehicle.objects.create(park=park, code="QS-01", seats=30)
    # prcoords' forward transform gives the GCJ-02 reading of a WGS84 place; the worker must
    # store the place itself (to within the inverse's 1e-6 degree, the column's precision).
    import prcoords

    gcj = prcoords.wgs_gcj((30.2351, 119.8123))
    payload = orjson.dumps(_fix(lat=gcj.lat, lon=gcj.lon, datum="gcj02"))
    worker._handle([_message("parkpilot/qsh/bus-positions/gateway", payload)])
    fix = VehiclePosition.objects.get()
    assert abs(float(fix.lat) - 30.2351) <= 2e-6 and abs(float(fix.lon) - 119.8123) <= 2e-6


def test_the_broker_acl_lets_a_gateway_write_the_apps_topics_under_its_own_name(personas):
    from parkpilot.energy.gateways import gateway_mqtt_credentials_issue, render_broker_files

    gateway_mqtt_credentials_issue(actor=None, via="test", gateway=personas["gateway"])
    config = MqttConfig("127.0.0.1", 1, "worker", "pw", None, None, None)
    _passwd, acl = render_broker_files(config)
    assert "topic read parkpilot/+/bus-positions/+" in acl  # the worker
    assert "topic write parkpilot/qsh/bus-positions/gateway" in acl  # the gateway, its own
