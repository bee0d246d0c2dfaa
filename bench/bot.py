"""`briefbot run` as a user runs it: memory of its process tree, start-up, answers while ingesting.

Serves the first N of the 200 captured feeds (``../shared/corpus/feeds/``) from loopback as the
bot's default feeds, points the real bot at the fake Bot API server of the tests, and measures:

- start-up: from starting `briefbot run` to the reply to the first /start;
- memory: summed PSS of the whole process tree (the bot, and workers when there are any),
  sampled every 20 ms through the first (cold) poll cycle of every feed and then while idle;
- answers while ingesting: /help, /latest and /timeline sent one after another while that
  cold cycle runs; each round trip is from the update's arrival at the fake server to the
  bot's reply there.

Prints figures; nothing here is a test. ``--feeds 15 50 200`` (the default) runs each size in
a fresh process and database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.feedserver import FeedServer  # noqa: E402

CHAT = 4242
COMMANDS = ("/help", "/latest", "/timeline")


def descendants(root: int) -> list[int]:
    """``root`` and every process below it (from /proc's children lists: no full scan)."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    todo.extend(int(child) for child in children.read().split())
        except OSError:
            pass
    return found


def tree_pss_mib(root: int) -> float:
    """Summed PSS of ``root`` and its descendants (pages shared between them count once)."""
    total = 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as smaps:
                for line in smaps:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total / 1024


def run_once(feeds: list[Path], idle_seconds: float, workers: int | None) -> dict[str, object]:
    with FeedServer() as server, FakeTelegram() as fake, tempfile.TemporaryDirectory() as tmp:
        lines = []
        for path in feeds:
            server.serve_file("/" + path.name, path, etag='"1"', content_type="application/xml")
            lines.append(f'[[feed]]\nurl = "{server.url("/" + path.name)}"\n')
        defaults = Path(tmp) / "feeds.toml"
        defaults.write_text("\n".join(lines))
        config = Path(tmp) / "config.toml"
        extra = f"parse_workers = {workers}\n" if workers is not None else ""
        config.write_text(
            f'[telegram]\nbase_url = "{fake.base_url}"\n'
            f'[storage]\npath = "{tmp}/bot.db"\n'
            f'[feeds]\nallow_private_networks = true\ndefaults_file = "{defaults}"\n{extra}'
        )
        env = {**os.environ, "BRIEFBOT_TOKEN": fake.token, "PYTHONPATH": str(ROOT)}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed bot has its bytecode cached
        fake.push_message("/start", chat_id=CHAT)
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            fake.wait_for_sync(lambda: fake.sent_texts(CHAT), timeout=60, what="/start")
            startup = fake.calls_to("sendMessage")[0].at - started
            samples: list[float] = []
            trips: list[float] = []
            most_processes = 1
            # The cold cycle: sample memory, and keep one command in flight at a time.
            cycle_deadline = time.monotonic() + 120
            pending: tuple[float, int] | None = None
            sent = 0
            while time.monotonic() < cycle_deadline:
                samples.append(tree_pss_mib(process.pid))
                most_processes = max(most_processes, len(descendants(process.pid)))
                replies = len(fake.sent_texts(CHAT))
                if pending and replies > pending[1]:
                    arrival = pending[0]
                    trips.append(fake.calls_to("sendMessage")[-1].at - arrival)
                    pending = None
                if pending is None:
                    fake.push_message(COMMANDS[sent % len(COMMANDS)], chat_id=CHAT)
                    pending, sent = (time.monotonic(), len(fake.sent_texts(CHAT))), sent + 1
                if _cycle_done(tmp, len(feeds)):
                    break
                time.sleep(0.02)
            cycle_seconds = time.monotonic() - started
            idle: list[float] = []
            idle_until = time.monotonic() + idle_seconds
            while time.monotonic() < idle_until:
                idle.append(tree_pss_mib(process.pid))
                time.sleep(0.1)
        finally:
            process.terminate()
            _, errors = process.communicate(timeout=30)
        if process.returncode not in (0, -15):
            print(errors[-2000:], file=sys.stderr)
        trips.sort()
        return {
            "startup": startup,
            "cycle": cycle_seconds,
            "peak": max(samples),
            "idle_end": idle[-1] if idle else float("nan"),
            "idle_peak": max(idle) if idle else float("nan"),
            "trips": trips,
            "processes": most_processes,
        }


def _cycle_done(tmp: str, feeds: int) -> bool:
    """Whether the first poll cycle stored its heartbeat (read without the bot's code)."""
    import sqlite3

    try:
        db = sqlite3.connect(f"file:{tmp}/bot.db?mode=ro", uri=True, timeout=0.05)
        try:
            row = db.execute("SELECT value FROM state WHERE key = 'last_poll_at'").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return False
    return row is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/corpus/feeds")
    parser.add_argument("--feeds", type=int, nargs="+", default=[15, 50, 200])
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle sampling")
    parser.add_argument("--workers", type=int, default=None, help="feeds.parse_workers")
    args = parser.parse_args()
    files = sorted(p for p in args.corpus.iterdir() if p.is_file())
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for count in args.feeds:
        result = run_once(files[:count], args.idle, args.workers)
        trips = result["trips"]
        assert isinstance(trips, list)
        p50 = statistics.median(trips) * 1000 if trips else float("nan")
        p95 = trips[int(0.95 * (len(trips) - 1))] * 1000 if trips else float("nan")
        print(
            f"{count:3d} feeds: start-up {result['startup']:.2f} s to the first /start answer; "
            f"cold cycle done {result['cycle']:.1f} s after start; "
            f"PSS peak {result['peak']:.0f} MiB, idle {result['idle_end']:.0f} MiB after "
            f"{args.idle:.0f} s (idle peak {result['idle_peak']:.0f}); "
            f"at most {result['processes']} processes; "
            f"{len(trips)} answers while ingesting: p50 {p50:.0f} ms, p95 {p95:.0f} ms"
        )


if __name__ == "__main__":
    main()
