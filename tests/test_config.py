"""Configuration: lookup order, env override, and one-line errors with exit status 2."""

from __future__ import annotations

import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.core.config import ConfigError, load_settings

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads_and_matches_defaults():
    settings = load_settings(EXAMPLE, environ={})
    assert settings.feeds.poll_interval == 600
    assert settings.digest.default_time == time(8, 0)
    assert settings.digest.default_timezone == "Europe/Kyiv"
    assert str(settings.storage.path) == "data/briefbot.db"
    assert settings.feeds.allow_private_networks is False


def test_values_are_parsed(tmp_path):
    path = write(
        tmp_path,
        '[telegram]\nadmins = [1, 2]\nbase_url = "http://127.0.0.1:1/bot"\n'
        '[feeds]\npoll_interval = "2h"\n[digest]\ndefault_time = "7:30"\n',
    )
    settings = load_settings(path, environ={})
    assert settings.telegram.admins == (1, 2)
    assert settings.feeds.poll_interval == 7200
    assert settings.digest.default_time == time(7, 30)


FILE_TOKEN = "111111:from-file-AAAAAAAAAAAAAAAAAAAAAAAAAA"
ENV_TOKEN = "222222:from-env-BBBBBBBBBBBBBBBBBBBBBBBBBBB"


def test_env_token_overrides_file(tmp_path):
    path = write(tmp_path, f'[telegram]\ntoken = "{FILE_TOKEN}"\n')
    settings = load_settings(path, environ={"BRIEFBOT_TOKEN": ENV_TOKEN})
    assert settings.telegram.token == ENV_TOKEN


@pytest.mark.parametrize(
    "token",
    [
        "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nX-Injected: 1",  # a newline: never reaches Telegram
        "not-a-token",
        "123456:short",
        "abc:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_a_token_that_is_not_digits_colon_secret_is_a_config_error(tmp_path, token):
    path = write(tmp_path, f"[telegram]\ntoken = {token!r}\n".replace("'", '"'))
    with pytest.raises(ConfigError, match=r"^telegram\.token: expected the token @BotFather"):
        load_settings(path, environ={})
    with pytest.raises(ConfigError, match=r"^BRIEFBOT_TOKEN: expected the token"):
        load_settings(None, environ={"BRIEFBOT_TOKEN": token})


def test_briefbot_config_env_is_used(tmp_path):
    path = write(tmp_path, '[feeds]\npoll_interval = "15m"\n')
    assert load_settings(None, environ={"BRIEFBOT_CONFIG": str(path)}).feeds.poll_interval == 900


def test_config_toml_in_working_directory_is_used(tmp_path, monkeypatch):
    write(tmp_path, '[feeds]\npoll_interval = "20m"\n')
    monkeypatch.chdir(tmp_path)
    assert load_settings(None, environ={}).feeds.poll_interval == 1200


def test_defaults_without_any_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, environ={})
    assert settings.source == "built-in defaults"
    assert settings.telegram.token == ""


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[feeds]\npoll_interval = "soon"\n', "feeds.poll_interval"),
        ("[feeds]\nallow_private_networks = 1\n", "feeds.allow_private_networks"),
        ('[feeds]\npol_interval = "10m"\n', "feeds.pol_interval: unknown key"),
        ('[digest]\ndefault_time = "25:00"\n', "digest.default_time"),
        ('[digest]\ndefault_timezone = "Mars/Olympus"\n', "digest.default_timezone"),
        ('[telegram]\nadmins = ["me"]\n', "telegram.admins"),
        ('[telegram]\nbase_url = "ftp://x"\n', "telegram.base_url"),
        ('[storage]\npath = ""\n', "storage.path"),
        ("[nonsense]\nx = 1\n", "nonsense: unknown section"),
        ("[feeds\n", "not valid TOML"),
    ],
)
def test_bad_config_names_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.").replace("[", r"\[")):
        load_settings(write(tmp_path, text), environ={})


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "absent.toml", environ={})


def test_cli_prints_one_line_and_exits_2(tmp_path, capsys):
    path = write(tmp_path, '[feeds]\npoll_interval = "soon"\n')
    assert main(["version", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "feeds.poll_interval" in err
    assert "Traceback" not in err


def test_cli_bad_config_as_a_real_process(tmp_path):
    path = write(tmp_path, '[digest]\ndefault_timezone = "Nowhere/Land"\n')
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "digest.default_timezone" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_config_may_come_before_or_after_the_subcommand(tmp_path, capsys):
    path = write(tmp_path, '[feeds]\npoll_interval = "soon"\n')
    assert main(["--config", str(path), "version"]) == 2
    assert main(["version", "--config", str(path)]) == 2
    assert capsys.readouterr().err.count("feeds.poll_interval") == 2


@pytest.mark.parametrize("value", ['"99999999d"', '"0s"'])
def test_absurd_durations_are_refused(tmp_path, value):
    with pytest.raises(ConfigError, match="feeds.poll_interval"):
        load_settings(write(tmp_path, f"[feeds]\npoll_interval = {value}\n"), environ={})


def test_a_storage_path_that_is_a_directory_is_one_line(tmp_path, capsys):
    path = write(tmp_path, f'[storage]\npath = "{tmp_path}"\n')
    assert main(["feeds", "list", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "storage.path" in err and "is a directory" in err and "Traceback" not in err
