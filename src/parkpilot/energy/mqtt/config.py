"""MQTT settings, read from the environment when used (docs/energy-mqtt.md lists them).

They live here rather than in settings.py so the worker, the simulator and `mqtt_sync` share one
reading of them; each helper fails loudly on a value it cannot read."""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from parkpilot.env import env_int, env_str

TOPIC_PREFIX = "parkpilot"
SHARE_GROUP = "parkpilot"


def readings_topic(park_code: str, gateway_username: str) -> str:
    return f"{TOPIC_PREFIX}/{park_code}/readings/{gateway_username}"


def app_topic(park_code: str, kind: str, gateway_username: str) -> str:
    """Where a gateway publishes another app's messages (plugins.MqttTopic)."""
    return f"{TOPIC_PREFIX}/{park_code}/{kind}/{gateway_username}"


def app_filter(kind: str) -> str:
    return f"{TOPIC_PREFIX}/+/{kind}/+"


def watermark_topic(park_code: str, gateway_username: str) -> str:
    """Where the worker publishes (retained) the gateway's committed watermark."""
    return f"{TOPIC_PREFIX}/{park_code}/watermark/{gateway_username}"


READINGS_FILTER = f"{TOPIC_PREFIX}/+/readings/+"
WATERMARKS_FILTER = f"{TOPIC_PREFIX}/+/watermark/+"
# Every worker joins one shared subscription: the broker hands each message to one of them.
SHARED_SUBSCRIPTION = f"$share/{SHARE_GROUP}/{READINGS_FILTER}"


SUBSCRIPTION_MODES = ("exclusive", "partition", "shared")


def subscription_filters(mode: str, kinds) -> list[str]:
    """The readings' filter (see subscription_filter) and one per app kind, the same way."""
    share = f"$share/{SHARE_GROUP}/" if mode == "shared" else ""
    return [subscription_filter(mode)] + [share + app_filter(kind) for kind in sorted(kinds)]


def subscription_filter(mode: str) -> str:
    """`exclusive`: one worker on a plain subscription, which Mosquitto 2.0 restores from
    persistence after a broker restart. `shared`: any number of workers, but Mosquitto 2.0 does
    not restore shared subscriptions, so messages published after a broker restart and before
    a worker resubscribes are dropped. (`partition`, several workers on plain subscriptions to
    their share of the gateways' topics, has no single filter: see the worker.)"""
    if mode == "shared":
        return SHARED_SUBSCRIPTION
    if mode == "exclusive":
        return READINGS_FILTER
    raise ValueError(f"subscription mode must be exclusive or shared, not {mode!r}")


def parse_partition(text: str) -> tuple[int, int]:
    """`2/3` → (1, 3): the second of three workers (numbered from 1 for people)."""
    number, _, count = text.partition("/")
    try:
        index, total = int(number) - 1, int(count)
    except ValueError:
        index, total = -1, 0
    if total < 1 or not 0 <= index < total:
        raise ValueError(f"partition must be K/N with 1 ≤ K ≤ N, not {text!r}")
    return index, total


@dataclass(frozen=True)
class MqttConfig:
    host: str
    port: int
    username: str
    password: str
    password_file: Path
    acl_file: Path
    pid_file: Path | None


def mqtt_config() -> MqttConfig:
    data_dir = Path(settings.DATA_DIR)
    pid = env_str("PARKPILOT_MQTT_PID_FILE", "")
    return MqttConfig(
        host=env_str("PARKPILOT_MQTT_HOST", "127.0.0.1"),
        port=env_int("PARKPILOT_MQTT_PORT", 1883),
        # The worker's own login (it reads every park's readings); empty: anonymous broker.
        username=env_str("PARKPILOT_MQTT_USERNAME", ""),
        password=env_str("PARKPILOT_MQTT_PASSWORD", ""),
        password_file=Path(
            env_str("PARKPILOT_MQTT_PASSWORD_FILE", str(data_dir / "mosquitto" / "passwd"))
        ),
        acl_file=Path(env_str("PARKPILOT_MQTT_ACL_FILE", str(data_dir / "mosquitto" / "acl"))),
        pid_file=Path(pid) if pid else None,
    )
