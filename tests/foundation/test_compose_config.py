"""docker-compose.yml is a valid Compose file, checked build-free: `docker compose config` where
the Compose plugin is installed, else the standalone `docker-compose config` (Debian package
docker-compose, installed by `make test`). Both validate against the Compose schema and resolve
interpolation without a Docker engine."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose_command() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=60)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


COMPOSE = _compose_command()
pytestmark = pytest.mark.skipif(COMPOSE is None, reason="neither `docker compose` nor `docker-compose` is installed")


def _config(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")}
    return subprocess.run([*COMPOSE, "-f", str(ROOT / "docker-compose.yml"), "config"], cwd=ROOT,
                          env={**clean, **env}, capture_output=True, text=True, timeout=120)


def test_it_is_a_valid_compose_file():
    result = _config(SECRET_KEY="a-production-secret")
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["SECRET_KEY"] == "a-production-secret"
        assert services[name]["environment"]["DEBUG"] == "false"


def test_it_refuses_to_start_without_a_secret_key():
    result = _config()
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
