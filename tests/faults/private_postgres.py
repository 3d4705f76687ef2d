"""A private PostgreSQL server for fault tests: its own data folder and port, started and removed
by the test, so a test may restart it without touching the shared server everyone uses."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or ([shutil.which(name)] if shutil.which(name) else [])
    return found[-1] if found else None


def unavailable_reason() -> str | None:
    if not (_bin("initdb") and _bin("pg_ctl")):
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "running as root without runuser: initdb refuses to run as root"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivatePostgres:
    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.data = folder / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=timeout, cwd="/tmp")

    def pg_ctl(self, action: str, *extra: str) -> None:
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-w", "-t", "60", "-l", str(self.folder / "log"),
                  "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off",
                  action, *extra)


@contextlib.contextmanager
def private_postgres():
    folder = Path(tempfile.mkdtemp(prefix="ecp-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = PrivatePostgres(folder, _free_port())
    try:
        server._run(_bin("initdb"), "-D", str(server.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--no-sync")
        server.pg_ctl("start")
        yield server
    finally:
        with contextlib.suppress(Exception):
            server.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(folder, ignore_errors=True)
