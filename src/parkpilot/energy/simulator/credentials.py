"""The simulated gateways' MQTT passwords. The platform stores only the broker's hash of each
(GatewayMqttCredential), so the simulator keeps the passwords it was issued in a file of its
own (0600, under PARKPILOT_DATA_DIR) and issues new ones, through the audited service, for
gateways it has none for (or whose credential was re-issued since)."""

import json
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction

from parkpilot.energy.gateways import gateway_mqtt_credentials_issue, mosquitto_check
from parkpilot.energy.models_ops import GatewayMqttCredential
from parkpilot.env import env_str
from parkpilot.tenancy.models import User


def credentials_file() -> Path:
    default = Path(settings.DATA_DIR) / "simulator" / "mqtt-credentials.json"
    return Path(env_str("PARKPILOT_SIMULATOR_CREDENTIALS", str(default)))


def gateway_passwords(usernames: list[str]) -> tuple[dict[str, str], list[str]]:
    """({gateway: password} for every one of `usernames`, the gateways issued a new one now).
    Issuing rewrites the broker's files and signals it (PARKPILOT_MQTT_PID_FILE) after commit."""
    path = credentials_file()
    known = json.loads(path.read_text()) if path.exists() else {}
    hashes = dict(
        GatewayMqttCredential.objects.filter(gateway__username__in=usernames).values_list(
            "gateway__username", "password_hash"
        )
    )
    issued = []
    with transaction.atomic():
        for gateway in User.objects.filter(username__in=usernames).order_by("username"):
            name = gateway.username
            stored = hashes.get(name)
            if stored and name in known and mosquitto_check(known[name], stored):
                continue
            known[name] = gateway_mqtt_credentials_issue(
                actor=None, via="simulator", gateway=gateway, is_demo=True
            )
            issued.append(name)
    if issued:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(known, indent=1, sort_keys=True))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    return {name: known[name] for name in usernames if name in known}, issued
