"""The deployment files, checked as far as a machine without a Docker engine or systemd can:
the Dockerfile lints (hadolint), the compose file validates (docker compose / docker-compose
config, where installed) and both name only real commands, ports and settings."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from workers.cli.main import cli
from workers.metrics.http import BOUNCES_PORT, SENDER_PORT

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def runs(arguments: list[str]) -> None:
    """``erpmail ARGUMENTS`` names a real command (its --help answers)."""
    result = CliRunner().invoke(cli, [*arguments, "--help"])
    assert result.exit_code == 0, (arguments, result.output)


def test_the_dockerfile_lints_clean_and_runs_the_cli_as_no_root() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    lint = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    text = (ROOT / "Dockerfile").read_text()
    (user,) = re.findall(r"^USER (\S+)", text, re.M)
    assert user.split(":")[0] not in ("0", "root")
    assert re.search(r'^ENTRYPOINT \["erpmail"\]', text, re.M)
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.M):
        for path in source.split():
            assert (ROOT / path).exists(), path
    ignored = (ROOT / ".dockerignore").read_text()
    assert all(f"!{name}" in ignored for name in ("pyproject.toml", "schemas", "workers"))


def test_the_compose_file_starts_real_commands_with_known_settings() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text())
    services = compose["services"]
    assert {"rabbitmq", "postgres", "migrate", "sender", "bounces"} <= set(services)
    runs(services["sender"]["command"])
    runs(services["bounces"]["command"])
    for step in services["migrate"]["entrypoint"][-1].split("&&"):
        runs(shlex.split(step)[1:])
    for name, port in (("sender", SENDER_PORT), ("bounces", BOUNCES_PORT)):
        assert services[name]["expose"] == [str(port)]
        assert f"127.0.0.1:{port}/livez" in " ".join(services[name]["healthcheck"]["test"])
    settings_source = (ROOT / "workers" / "settings.py").read_text()
    for line in (DEPLOY / "erpmail.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name = line.split("=", 1)[0]
            assert f'"{name}"' in settings_source, f"{name} is not a setting"


def test_the_compose_file_validates(tmp_path: Path) -> None:
    if shutil.which("docker-compose"):
        command = ["docker-compose"]
    elif subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        command = ["docker", "compose"]
    else:
        pytest.skip("no docker compose here: the structural test above still ran")
    copy = tmp_path / "deploy"
    shutil.copytree(DEPLOY, copy)
    shutil.copy(copy / "erpmail.env.example", copy / "erpmail.env")
    checked = subprocess.run(
        [*command, "-f", str(copy / "compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_systemd_units_run_real_commands_as_an_unprivileged_user() -> None:
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert {unit.name for unit in units} >= {
        "erpmail-sender@.service",
        "erpmail-bounces.service",
        "erpmail-migrate.service",
        "erpmail-prune.service",
    }
    for unit in units:
        text = unit.read_text()
        assert "User=erpmail" in text, unit.name
        for command in re.findall(r"^ExecStart=(\S+) (.+)$", text, re.M):
            assert command[0].endswith("/erpmail"), unit.name
            words = shlex.split(command[1])
            flags = [n for n, word in enumerate(words) if word.startswith("--")]
            runs(words[: flags[0]] if flags else words)
    timer = (DEPLOY / "systemd" / "erpmail-prune.timer").read_text()
    assert "OnCalendar=" in timer
