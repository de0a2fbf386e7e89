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


READINGS_FILTER = f"{TOPIC_PREFIX}/+/readings/+"
# Every worker joins one shared subscription: the broker hands each message to one of them.
SHARED_SUBSCRIPTION = f"$share/{SHARE_GROUP}/{READINGS_FILTER}"


def subscription_filter(mode: str) -> str:
    """`shared`: any number of workers. `exclusive`: one worker on a plain subscription, which
    Mosquitto 2.0 restores from persistence after a broker restart (its shared subscriptions
    are not restored, so messages published before a worker resubscribes would be dropped)."""
    if mode == "shared":
        return SHARED_SUBSCRIPTION
    if mode == "exclusive":
        return READINGS_FILTER
    raise ValueError(f"subscription mode must be shared or exclusive, not {mode!r}")


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
