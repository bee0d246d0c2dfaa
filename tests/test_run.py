"""`briefbot run` as a real process: explains a missing token, polls, never logs the token."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.fake_telegram import FakeTelegram


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFBOT_")}
    env.update(extra)
    return env


def test_run_without_token_points_to_botfather(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=_env(),
    )
    assert result.returncode == 2
    assert "BotFather" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_answers_and_never_logs_the_token(tmp_path: Path):
    with FakeTelegram() as fake:
        config = tmp_path / "config.toml"
        no_feeds = tmp_path / "feeds.toml"
        no_feeds.write_text("# none: tests never reach the internet\n", encoding="utf-8")
        config.write_text(
            f'[telegram]\nbase_url = "{fake.base_url}"\n'
            f'[storage]\npath = "{tmp_path / "bot.storage.db"}"\n'
            f'[feeds]\ndefaults_file = "{no_feeds}"\n',
            encoding="utf-8",
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--verbose", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=_env(BRIEFBOT_TOKEN=fake.token, PYTHONPATH=str(Path.cwd())),
        )
        try:
            fake.push_message("/start", chat_id=31)
            fake.wait_for_sync(lambda: fake.sent_texts(31), timeout=30, what="a reply to /start")
        finally:
            process.send_signal(signal.SIGINT)
            output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "getUpdates" in output or "Application started" in output, output
    assert fake.token not in output
    assert fake.token.split(":")[1] not in output
