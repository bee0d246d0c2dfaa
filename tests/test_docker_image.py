"""The Docker image, built and run: answers /start, is healthy, not root, stops on SIGTERM.

Builds the project's Dockerfile on a local base image (``$BRIEFBOT_TEST_BASE_IMAGE``, default
``briefbot-base:bookworm``, made by ``tests/docker/make_base_image.sh`` where no registry is
reachable; ``python:3.11.7-slim-bookworm`` works too) and runs the container with
``--network host`` against the fake Bot API server and a loopback feed, so nothing but the package
index used by the build's ``pip install`` is ever contacted. Skipped when no Docker daemon answers
or the base image is not present locally.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from tests.fake_telegram import FakeTelegram
from tests.feedfactory import rss
from tests.feedserver import FeedServer

ROOT = Path(__file__).resolve().parent.parent
BASE_IMAGE = os.environ.get("BRIEFBOT_TEST_BASE_IMAGE", "briefbot-base:bookworm")
IMAGE = "briefbot-test-image:latest"
BUILD_TIMEOUT = 900  # a cold build downloads every dependency; Docker's cache makes reruns fast
STOP_TIMEOUT = 30  # docker stop sends SIGKILL after this many seconds

pytestmark = pytest.mark.slow
T = TypeVar("T")


def docker(*args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} → {result.returncode}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def image() -> str:
    if shutil.which("docker") is None:
        pytest.skip("no docker client on PATH")
    if docker("info", timeout=30, check=False).returncode != 0:
        pytest.skip("no Docker daemon answers (docker info failed)")
    if docker("image", "inspect", BASE_IMAGE, check=False).returncode != 0:
        pytest.skip(
            f"base image {BASE_IMAGE} not present locally: make it with "
            "tests/docker/make_base_image.sh or set BRIEFBOT_TEST_BASE_IMAGE"
        )
    build = docker(
        "build",
        "--network",
        "host",
        "--build-arg",
        f"PYTHON_IMAGE={BASE_IMAGE}",
        "--tag",
        IMAGE,
        str(ROOT),
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    assert build.returncode == 0, f"docker build failed:\n{build.stdout[-4000:]}\n{build.stderr}"
    return IMAGE


@pytest.fixture
def config_dir(tmp_path: Path) -> Iterator[tuple[Path, FakeTelegram, FeedServer]]:
    """A config for the container: the fake Bot API, one loopback feed, the image's data files."""
    with FakeTelegram() as fake, FeedServer() as feeds:
        feeds.route("/news.xml", rss([{"title": "Talks resume", "guid": "n1"}]))
        config = tmp_path / "config"
        config.mkdir()
        config.chmod(0o755)  # the container's user (uid 10001) reads it
        (config / "feeds.toml").write_text(
            f'[[feed]]\nname = "Loopback"\nurl = "{feeds.url("/news.xml")}"\n', encoding="utf-8"
        )
        (config / "config.toml").write_text(
            f'[telegram]\nbase_url = "{fake.base_url}"\n'
            '[storage]\npath = "/app/data/briefbot.db"\n'
            '[feeds]\ndefaults_file = "/config/feeds.toml"\nallow_private_networks = true\n'
            '[analysis]\ntopic_file = "/app/share/topic.toml"\n'
            'actors_file = "/app/share/actors.toml"\nplaces_file = "/app/share/places.toml"\n',
            encoding="utf-8",
        )
        for file in config.iterdir():
            file.chmod(0o644)
        yield config, fake, feeds


def logs(name: str) -> str:
    result = docker("logs", name, check=False)
    return result.stdout + result.stderr


def running(name: str) -> bool:
    return docker("inspect", "-f", "{{.State.Running}}", name, check=False).stdout.strip() == "true"


def wait(fake: FakeTelegram, predicate: Callable[[], T], timeout: float, what: str, name: str) -> T:
    """The fake's deadline-bounded polling; fails with the container's log on timeout, or as soon
    as the container has exited (checked once a second)."""
    next_look = time.monotonic() + 1

    def done_or_dead() -> T:
        nonlocal next_look
        value = predicate()
        if not value and time.monotonic() >= next_look:
            next_look = time.monotonic() + 1
            if not running(name):
                raise AssertionError(f"the container exited while waiting for {what}")
        return value

    try:
        result: T = fake.wait_for_sync(done_or_dead, timeout, what)
    except AssertionError as error:
        raise AssertionError(f"{error}\n{logs(name)}") from None
    return result


def test_image_answers_reports_healthy_runs_unprivileged_and_stops_on_sigterm(
    image: str, config_dir: tuple[Path, FakeTelegram, FeedServer]
) -> None:
    config, fake, feeds = config_dir
    name = f"briefbot-test-{os.getpid()}-{time.monotonic_ns()}"
    command = ["docker", "run", "--detach", "--name", name, "--network", "host"]
    command += ["--env", "BRIEFBOT_TOKEN"]  # its value comes from our environment, not argv
    command += ["--env", "BRIEFBOT_CONFIG=/config/config.toml", "--volume", f"{config}:/config:ro"]
    run = subprocess.run(
        [*command, image],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "BRIEFBOT_TOKEN": fake.token},
        check=False,
    )
    assert run.returncode == 0, run.stderr
    try:
        # A reader's /start gets the greeting.
        fake.push_message("/start", chat_id=41, first_name="Olena")
        [reply] = wait(fake, lambda: fake.sent_texts(41), 60, "a reply to /start", name)
        assert "Hello, Olena!" in reply and "/help" in reply

        # The loopback feed is polled, and then the healthcheck's command says healthy.
        wait(fake, lambda: feeds.requests("/news.xml"), 60, "the feed to be polled", name)

        # --grace 0: "healthy" must come from a poll cycle, not from a young database.
        def healthy() -> str:
            check = docker(
                "exec", name, "briefbot", "health", "--max-age", "5m", "--grace", "0", check=False
            )
            ok = check.returncode == 0 and "last poll cycle" in check.stdout
            return check.stdout if ok else ""

        health = wait(fake, healthy, 60, "briefbot health to exit 0 after a poll cycle", name)
        assert health.startswith("healthy: last poll cycle"), health

        # Not root: neither the bot (PID 1) nor what `docker exec` runs.
        uids = docker("exec", name, "awk", "/^Uid:/ {print $2, $3}", "/proc/1/status").stdout
        assert uids.split() and "0" not in uids.split(), uids
        assert docker("exec", name, "id", "-u").stdout.strip() not in {"", "0"}

        # docker stop = SIGTERM: the bot exits 0 well before Docker would SIGKILL it.
        started = time.monotonic()
        docker("stop", "--time", str(STOP_TIMEOUT), name, timeout=STOP_TIMEOUT + 30)
        seconds = time.monotonic() - started
        state = docker("inspect", "-f", "{{.State.ExitCode}} {{.State.OOMKilled}}", name).stdout
        output = logs(name)
        assert state.split() == ["0", "false"], output
        assert seconds < STOP_TIMEOUT, output
        assert "Traceback" not in output, output
        assert fake.token.split(":")[1] not in output
    finally:
        docker("rm", "--force", "--volumes", name, check=False)
