"""Gateways' MQTT credentials and the broker's password and ACL files.

The broker, not only the platform, makes sure a gateway can publish under its own topic alone
(`parkpilot/<park>/readings/<gateway>`): each gateway gets its own MQTT login, and Mosquitto's
password file and ACL file are generated from the registry. The worker then takes the topic's
gateway name as the writer's identity. Only Mosquitto's own password hash is stored, so the
files can be regenerated at any time without keeping any secret."""

import base64
import hashlib
import os
import secrets
import signal
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from parkpilot import plugins
from parkpilot.energy.errors import ErrorCode
from parkpilot.energy.models_ops import GatewayMqttCredential
from parkpilot.energy.mqtt.config import (
    READINGS_FILTER,
    MqttConfig,
    app_filter,
    app_topic,
    mqtt_config,
    readings_topic,
)
from parkpilot.energy.mqtt.watermark import WATERMARKS_FILTER, watermark_topic
from parkpilot.tenancy import access
from parkpilot.tenancy.audit import audit_record
from parkpilot.tenancy.errors import Forbidden, ValidationFailed
from parkpilot.tenancy.models import User
from parkpilot.tenancy.roles import Role

# Mosquitto 2's `mosquitto_passwd` writes `$7$<iterations>$<salt b64>$<PBKDF2-SHA512 b64>` with
# 101 iterations and a 12-byte salt; the broker reads any iteration count from the line.
HASH_ITERATIONS = 101
SALT_BYTES = 12


def mosquitto_hash(password: str, *, salt: bytes | None = None, iterations: int = HASH_ITERATIONS):
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, 64)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def mosquitto_check(password: str, hashed: str) -> bool:
    _, alg, iterations, salt, digest = hashed.split("$")
    if alg != "7":
        return False
    again = mosquitto_hash(password, salt=base64.b64decode(salt), iterations=int(iterations))
    return secrets.compare_digest(again.rsplit("$", 1)[1], digest)


def _require_issuer(actor: User | None, gateway: User) -> None:
    if gateway.role != Role.GATEWAY or gateway.park_id is None:
        raise ValidationFailed.single(
            "gateway", gettext("Not a gateway account of a park."), ErrorCode.NOT_GATEWAY
        )
    if actor is None:  # the system (CLI, demo loader)
        return
    if not access.can(actor, access.CHANGE, gateway):  # the park's people: its admins
        raise Forbidden(gettext("Only park admins issue gateway credentials."))


@transaction.atomic
def gateway_mqtt_credentials_issue(
    *, actor: User | None, via: str, gateway: User, is_demo: bool = False
) -> str:
    """Give `gateway` a new MQTT password (replacing any earlier one) and return it. The secret
    is shown once; the broker's files are rewritten after the commit."""
    _require_issuer(actor, gateway)
    password = secrets.token_urlsafe(24)
    now = timezone.now()
    before = GatewayMqttCredential.objects.filter(gateway=gateway).values("issued_at").first()
    credential, _ = GatewayMqttCredential.objects.update_or_create(
        gateway=gateway,
        defaults={"password_hash": mosquitto_hash(password), "issued_at": now, "is_demo": is_demo},
    )
    audit_record(
        actor=actor,
        via=via,
        action="energy.gateway_mqtt.issue",
        obj=credential,
        before={"issued_at": before["issued_at"].isoformat()} if before else None,
        after={"gateway": gateway.username, "issued_at": now.isoformat()},
        park_id=gateway.park_id,
    )
    transaction.on_commit(broker_files_sync)
    return password


@transaction.atomic
def gateway_mqtt_credentials_revoke(*, actor: User | None, via: str, gateway: User) -> bool:
    _require_issuer(actor, gateway)
    credential = GatewayMqttCredential.objects.filter(gateway=gateway).first()
    if credential is None:
        return False
    audit_record(
        actor=actor,
        via=via,
        action="energy.gateway_mqtt.revoke",
        obj=credential,
        before={"gateway": gateway.username, "issued_at": credential.issued_at.isoformat()},
        after=None,
        park_id=gateway.park_id,
    )
    credential.delete()
    transaction.on_commit(broker_files_sync)
    return True


def render_broker_files(config: MqttConfig) -> tuple[str, str]:
    """(password file, ACL file) text for every active gateway with credentials, plus the
    worker's own login, which may read (subscribe to) all parks' readings."""
    credentials = (
        GatewayMqttCredential.objects.filter(gateway__is_active=True, gateway__park__isnull=False)
        .select_related("gateway__park")
        .order_by("gateway__username")
    )
    kinds = sorted(plugins.mqtt_topics())  # other apps' messages through the same door
    passwd, acl = [], ["# Generated by `parkpilot mqtt_sync`; edits are overwritten.", ""]
    if config.username:
        passwd.append(f"{config.username}:{mosquitto_hash(config.password)}")
        acl += [
            f"user {config.username}",
            # Mosquitto checks a shared subscription against the filter without `$share/<g>/`.
            f"topic read {READINGS_FILTER}",
            *(f"topic read {app_filter(kind)}" for kind in kinds),
            f"topic write {WATERMARKS_FILTER}",  # each gateway's committed watermark, retained
            "",
        ]
    for credential in credentials:
        gateway = credential.gateway
        park = gateway.park.code
        passwd.append(f"{gateway.username}:{credential.password_hash}")
        acl += [
            f"user {gateway.username}",
            f"topic write {readings_topic(park, gateway.username)}",
            *(f"topic write {app_topic(park, kind, gateway.username)}" for kind in kinds),
            f"topic read {watermark_topic(park, gateway.username)}",
            "",
        ]
    return "".join(f"{line}\n" for line in passwd), "\n".join(acl) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    # The broker may reload at any moment: it must read the old file or the new, never half.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class SyncResult:
    gateways: int
    password_file: Path
    acl_file: Path
    reloaded: bool


def broker_files_sync(config: MqttConfig | None = None) -> SyncResult:
    """Rewrite the broker's password and ACL files, then ask it to reload them (SIGHUP to the
    pid in PARKPILOT_MQTT_PID_FILE, when set)."""
    config = config or mqtt_config()
    passwd, acl = render_broker_files(config)
    _write_atomically(config.password_file, passwd)
    _write_atomically(config.acl_file, acl)
    reloaded = False
    if config.pid_file and config.pid_file.exists():
        try:
            os.kill(int(config.pid_file.read_text().strip()), signal.SIGHUP)
            reloaded = True
        except (ValueError, ProcessLookupError, PermissionError):
            reloaded = False
    gateways = acl.count("\nuser ") - bool(config.username)  # the worker's own login
    return SyncResult(gateways, config.password_file, config.acl_file, reloaded)
