"""Issue 16.5 and 16.6: a full disk gets one clear line and its own exit status, never blames the
feeds; writers beside each other wait for the write lock instead of failing.

The full disk is a real one: a 4 MiB tmpfs mounted in a private mount namespace
(``unshare -rm``), filled with a file, with the CLI running inside it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.core.timeutil import utcnow
from bot.storage.store import Store
from tests.feedfactory import rss

DISK_FULL = 6
TOKEN = "123456:" + "A" * 35


def _namespaces_work() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs tmpfs /mnt"], capture_output=True
    )
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not _namespaces_work(), reason="needs unshare -rm and tmpfs mounts in a user namespace"
)

SCRIPT = r"""
mount -t tmpfs -o size=4m tmpfs "$DISK" || exit 97
cp "$SRC" "$DISK/b.db"
avail=$(df -k --output=avail "$DISK" | tail -1)
dd if=/dev/zero of="$DISK/filler" bs=1k count=$((avail - $LEAVE_KIB)) 2>/dev/null
run() {
  name=$1; shift
  "$PY" -m bot --config "$CONFIG" "$@" >"$OUT/$name.out" 2>&1; echo $? >"$OUT/$name.code"
}
run fetch fetch --all
run health health
[ "$LEAVE_KIB" = 0 ] && BRIEFBOT_TOKEN="$TOKEN" run run run
rm "$DISK/filler"
"$PY" -m bot --config "$CONFIG" health >/dev/null 2>&1
cp "$DISK"/b.db* "$OUT/"
"""


def _on_a_full_disk(tmp_path: Path, feed_url: str, leave_kib: int) -> dict[str, tuple[int, str]]:
    """Run fetch and health (and, on a disk with no room at all, run: with a little room the
    bot starts) on a full disk holding a database with one feed; return each command's exit
    status and output. The database is copied back to ``tmp_path/out``."""
    source = tmp_path / "src" / "b.db"
    source.parent.mkdir()
    store = Store.open(source)
    store.add_feed(feed_url, utcnow())
    store.close()
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    out.mkdir()
    (tmp_path / "none.toml").write_text("")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\npath = "{disk / "b.db"}"\n'
        f'[feeds]\nallow_private_networks = true\ndefaults_file = "{tmp_path / "none.toml"}"\n'
        '[telegram]\nbase_url = "http://127.0.0.1:9/bot"\n'
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BRIEFBOT_")},
        "DISK": str(disk), "OUT": str(out), "SRC": str(source), "CONFIG": str(config),
        "PY": sys.executable, "TOKEN": TOKEN, "LEAVE_KIB": str(leave_kib),
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }  # fmt: skip
    shell = subprocess.Popen(
        ["unshare", "-rm", "sh", "-c", SCRIPT], env=env, start_new_session=True
    )
    try:
        assert shell.wait(timeout=120) == 0
    finally:
        if shell.poll() is None:  # a command that hung: take the whole group down with it
            os.killpg(shell.pid, signal.SIGKILL)
            shell.wait()
    return {
        name: (int((out / f"{name}.code").read_text()), (out / f"{name}.out").read_text())
        for name in ("fetch", "health", "run")
        if (out / f"{name}.code").exists()
    }


def _assert_one_clear_line(output: str) -> None:
    assert "Traceback" not in output, output
    assert len(output.strip().splitlines()) == 1, output
    assert "is full" in output or "disk full" in output, output


@pytest.mark.parametrize("leave_kib", [0, 200], ids=["full", "nearly-full"])
def test_a_full_disk_gets_one_line_its_own_status_and_never_blames_the_feeds(
    tmp_path, feed_server, leave_kib
):
    # 600 reports of 2 KB: far more than 200 KiB of database to write.
    items = [
        {"title": f"Report {n}", "guid": f"g{n}", "link": f"https://d.example/{n}",
         "description": "Security guarantees for Ukraine. " * 60}
        for n in range(600)
    ]  # fmt: skip
    feed_server.route("/big.xml", rss(items))
    results = _on_a_full_disk(tmp_path, feed_server.url("/big.xml"), leave_kib)
    assert ("run" in results) == (leave_kib == 0)
    for name, (code, output) in results.items():
        assert code == DISK_FULL, (name, code, output)
        _assert_one_clear_line(output)
    assert "internal error" not in results["fetch"][1]
    store = Store.open(tmp_path / "out" / "b.db")
    try:
        [feed] = store.list_feeds()
        assert feed.error_count == 0 and feed.last_error is None  # the feed is not blamed
    finally:
        store.close()


def test_writers_beside_each_other_wait_instead_of_failing(tmp_path):
    """The CLI beside the running bot: a transaction that reads first, while another
    connection commits a write, used to fail at once with "database is locked"."""
    path = tmp_path / "b.db"
    bot, cli = Store.open(path), Store.open(path)
    read_done, bot_committed = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def cli_writes() -> None:
        worker = Store.open(path)
        try:
            with worker.transaction():
                worker.list_feeds()  # a read first, as plan-then-write code does
                read_done.set()
                bot_committed.wait(timeout=1.0)  # with the lock held, the bot cannot commit
                worker.add_feed("https://cli.example/feed.xml", utcnow())
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)
        finally:
            worker.close()

    thread = threading.Thread(target=cli_writes)
    thread.start()
    assert read_done.wait(timeout=10)
    bot.add_feed("https://bot.example/feed.xml", utcnow())  # waits for the CLI's transaction
    bot_committed.set()
    thread.join(timeout=30)
    assert not errors, errors
    assert {feed.url for feed in cli.list_feeds()} == {
        "https://cli.example/feed.xml",
        "https://bot.example/feed.xml",
    }
    bot.close()
    cli.close()
