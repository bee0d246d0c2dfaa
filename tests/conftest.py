"""Shared fixtures: temporary database and config, a fake Bot API server, a running bot."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app.service import Service
from bot.core.config import Settings, replace_section
from bot.storage.store import Store
from tests.botharness import running_bot
from tests.fake_telegram import FakeTelegram

ADMIN_ID = 4242


class Clock:
    """A controllable clock for tests: call it for `now`, move it with advance()."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        from datetime import timedelta

        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 2, 17, 9, 0, tzinfo=UTC))


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, fake_telegram: FakeTelegram) -> Settings:
    """Settings pointing at a temporary database and the fake Bot API server."""
    base = Settings()
    base = replace_section(
        base,
        "telegram",
        token=fake_telegram.token,
        base_url=fake_telegram.base_url,
        admins=(ADMIN_ID,),
    )
    base = replace_section(base, "storage", path=tmp_path / "data" / "briefbot.db")
    return replace_section(base, "feeds", allow_private_networks=True, parse_workers=0)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    db = Store.open(settings.storage.path)
    yield db
    db.close()


@pytest.fixture
def service(settings: Settings, store: Store, clock: Clock) -> Service:
    return Service(settings, store, clock=clock)


def with_analysis_files(service: Service, **files: Path) -> Service:
    """A Service over the same store and clock whose ``[analysis]`` files are ``files``."""
    settings = replace_section(service.settings, "analysis", **files)
    return Service(settings, service.store, clock=service.clock)


@pytest.fixture
async def bot(service: Service):
    """The real Application, long-polling the fake Bot API server."""
    async with running_bot(service) as application:
        yield application


from tests.feedserver import feed_server  # noqa: E402,F401  (fixture re-exported for all tests)


@pytest.fixture
async def fetcher(settings: Settings):
    from bot.ingest.fetch import Fetcher

    async with Fetcher.from_settings(settings.feeds) as client:
        yield client


def world_files(directory: Path) -> str:
    """Write a CLI config for a database in ``directory``; return the config's path."""
    (directory / "none.toml").write_text("")
    config = directory / "config.toml"
    config.write_text(
        f'[storage]\npath = "{directory / "b.db"}"\n'
        f'[feeds]\nallow_private_networks = true\ndefaults_file = "{directory / "none.toml"}"\n'
    )
    return str(config)


def copy_world(template: Path, directory: Path) -> str:
    """A private copy of a world built once per session: its database and a config for it."""
    import shutil

    for path in template.glob("b.db*"):
        shutil.copy(path, directory / path.name)
    return world_files(directory)


@pytest.fixture(scope="session")
def world_template(tmp_path_factory) -> Path:
    """The news world, moved to this week (the CLI uses the real clock) and added with
    `briefbot feeds add`, built once per test session."""
    from bot.cli.main import main
    from bot.core.timeutil import utcnow
    from tests.feedserver import FeedServer
    from tests.newsdata import serve_world

    directory = tmp_path_factory.mktemp("world")
    config = world_files(directory)
    with FeedServer() as server:
        for url in serve_world(server, today=utcnow()).values():
            assert main(["feeds", "add", url, "--config", config]) == 0
    return directory


@pytest.fixture
def world_config(world_template: Path, tmp_path: Path) -> str:
    """A config whose database is this test's own copy of the session's news world."""
    return copy_world(world_template, tmp_path)
