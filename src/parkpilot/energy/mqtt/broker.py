"""A private Mosquitto configured for zero loss, on a free loopback port (tests, benchmarks).

The system broker's defaults drop queued QoS 1 messages (max_queued_messages 1000), so anything
that proves zero loss runs its own broker with the configuration docs/energy-mqtt.md gives."""

import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"

# What makes Mosquitto keep every QoS 1 message queued for a worker (docs/energy-mqtt.md);
# scripts/services.sh writes the same lines into the system broker's drop-in (tested).
ZERO_LOSS_SETTINGS = (
    # Sessions, their subscriptions and queued messages survive a restart; a crash (not a
    # clean stop) loses at most the last second, which gateways resend (watermark protocol).
    "persistence true",
    "autosave_interval 1",
    "autosave_on_changes false",
    # Never drop a QoS 1 message queued for a worker that is down or behind.
    "max_queued_messages 0",
    "max_queued_bytes 0",
    # No cap at the broker: Mosquitto 2.0.11 does not honour the worker's Receive Maximum
    # anyway; the worker's bounded inbox and TCP back-pressure hold the rest at the broker.
    "max_inflight_messages 0",
    # Longer than the worker's session expiry (7 days): the session, not this, decides.
    "persistent_client_expiration 14d",
)


def broker_config(
    *, port: int, directory: Path, password_file: Path | None, acl_file: Path | None
) -> str:
    """The configuration docs/energy-mqtt.md recommends (with paths and port filled in)."""
    lines = [
        "per_listener_settings false",
        # Run as root, Mosquitto switches to the `mosquitto` user, which cannot use our files.
        f"user {getpass.getuser()}",
        f"listener {port} 127.0.0.1",
        *ZERO_LOSS_SETTINGS,
        f"persistence_location {directory}/",
        f"pid_file {directory}/mosquitto.pid",
        "log_dest stderr",
        "log_type error",
        "log_type warning",
    ]
    if password_file:
        lines += ["allow_anonymous false", f"password_file {password_file}"]
    else:
        lines += ["allow_anonymous true"]
    if acl_file:
        lines += [f"acl_file {acl_file}"]
    return "\n".join(lines) + "\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalBroker:
    def __init__(self, directory: Path, *, authenticated: bool = True):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.password_file = self.directory / "passwd" if authenticated else None
        self.acl_file = self.directory / "acl" if authenticated else None
        self.pid_file = self.directory / "mosquitto.pid"
        self.conf = self.directory / "mosquitto.conf"
        self.log = self.directory / "mosquitto.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        for path in (self.password_file, self.acl_file):
            if path and not path.exists():
                path.write_text("")
        self.conf.write_text(
            broker_config(
                port=self.port,
                directory=self.directory,
                password_file=self.password_file,
                acl_file=self.acl_file,
            )
        )
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [MOSQUITTO, "-c", str(self.conf)], stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_listening()

    def _wait_listening(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start listening")

    def stop(self) -> None:
        """A clean stop (SIGTERM): the broker writes its persistence file first."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def crash(self) -> None:
        """SIGKILL: no last save; what arrived since the last autosave (1 s) is gone."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def reload(self) -> None:
        if self.process:
            os.kill(self.process.pid, signal.SIGHUP)
