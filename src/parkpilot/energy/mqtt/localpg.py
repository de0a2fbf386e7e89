"""A private, throwaway PostgreSQL server (initdb + pg_ctl on a free loopback port in a
directory of its own), for the fault runs that restart the database: the shared server other
people use is never stopped. As root it runs as the `postgres` system user (initdb refuses
root)."""

import contextlib
import getpass
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from parkpilot.energy.mqtt.broker import free_port


def _bin_dir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name)
    if not versions:
        raise FileNotFoundError("no PostgreSQL server binaries (pg_ctl) found")
    return versions[-1]


class LocalPostgres:
    def __init__(self, directory: Path | None = None):
        # Its own directory under the system's temp dir: as root the server runs as `postgres`,
        # who cannot enter a root-only directory such as pytest's tmp_path.
        self.directory = Path(directory or tempfile.mkdtemp(prefix="parkpilot-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.bin = _bin_dir()
        self.user = "postgres" if os.geteuid() == 0 else getpass.getuser()

    @property
    def url(self) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/postgres"

    def url_for(self, database: str) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd="/")

    def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, self.user)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-E", "UTF8", "--no-sync")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.directory}'\n"
                # A throwaway server: no need to wait for the disk.
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            )

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.directory / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast`: what a restart does to clients (their connections are terminated)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, down_s: float = 2.0) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)
