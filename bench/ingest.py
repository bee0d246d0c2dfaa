"""Ingest benchmark: the 200-feed corpus on loopback, against lemon24/reader and the parse floor.

Usage: python bench/ingest.py [--corpus ../shared/corpus/feeds] [--executor bot|process|thread]
       [--runs 3] [--per-host 4] [--reader-workers 4] [--cli]

In one run, each cycle in a fresh process (wall time, entries/s, peak RSS of that process and
the peak memory of it and its worker processes together, as summed PSS):
  (a) cold poll cycle of every feed into an empty database,
  (b) warm cycle (every feed answers 304),
  (c) lemon24/reader's ``update_feeds`` on the same loopback URLs into its own temporary
      database, best of ``--runs`` like ours (skipped unless ``pip install -e '.[bench]'``),
  (d) the bare parse floor, in this process, sequential: feedparser alone, the lxml fast path
      alone, and ``parse_feed`` (fast path with feedparser fallback) over the same bytes.

By default a cycle is the ingest cycle of ``briefbot fetch --all`` without the analysis hook
(fetch, parse, normalise, store); ``--cli`` runs ``briefbot fetch --all`` itself, analysis
included. Parsing runs in the bot's own worker pool (``--executor bot``, the default), a plain
process pool (``process``) or threads (``thread``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# --- child processes (one per measured cycle, so peak RSS is the cycle's own)


def child_cycle(config: str, executor_kind: str) -> None:
    """One ingest cycle of every active feed, without the analysis hook; prints the summary."""
    from concurrent.futures import Executor, ProcessPoolExecutor

    from bot.app.runtime import open_service
    from bot.core.config import load_settings
    from bot.ingest.cycle import Ingestor
    from bot.ingest.fetch import Fetcher

    settings = load_settings(config)

    async def main() -> str:
        executor: Executor | None = ProcessPoolExecutor(2) if executor_kind == "process" else None
        try:
            # "bot": the pool `briefbot fetch` uses (2 workers forked at start); the running bot
            # parses in a thread by default ([feeds] parse_workers = 0), as "thread" measures.
            workers = 2 if executor_kind == "bot" else 0
            with open_service(settings, workers=workers) as service:
                async with Fetcher.from_settings(settings.feeds) as fetcher:
                    ingestor = Ingestor(
                        settings,
                        service.store,
                        fetcher,
                        clock=service.clock,
                        executor=executor,
                        parse_pool=service.parse_pool if executor_kind == "bot" else None,
                    )
                    report = await ingestor.run_cycle(all_feeds=True)
                    entries = sum(outcome.entries for outcome in report.outcomes)
                    return f"{report.summary()}; {entries} entries parsed"
        finally:
            if executor is not None:
                executor.shutdown()

    print(asyncio.run(main()))


def child_reader(db: str, urls_file: str, workers: int) -> None:
    """lemon24/reader: add every feed, then one ``update_feeds``; prints entry count."""
    from reader import make_reader

    urls = Path(urls_file).read_text().split()
    reader = make_reader(db)
    for url in urls:
        reader.add_feed(url, exist_ok=True)
    started = time.perf_counter()
    reader.update_feeds(workers=workers, scheduled=False)
    seconds = time.perf_counter() - started
    entries = reader.get_entry_counts().total
    broken = sum(1 for feed in reader.get_feeds() if feed.last_exception)
    print(f"{len(urls)} feeds, {broken} failed; {entries} entries stored; {seconds:.1f} s")
    reader.close()


# --- the parent


class TreeMemory(threading.Thread):
    """Samples, every 20 ms, the memory of a process and all its descendants (forkserver and
    parse workers included): the sum of their proportional set sizes, so pages the forked
    workers share are counted once in all, not once per process."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.peak = max(self.peak, sum(self._pss(pid) for pid in self._tree()))

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError, ValueError, IndexError):
                    stat = Path(f"/proc/{entry}/stat").read_text()
                    parent = int(stat.rsplit(")", 1)[1].split()[1])
                    children.setdefault(parent, []).append(int(entry))
        tree, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += children.get(pid, [])
        return tree

    def _pss(self, pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            pass
        return 0


def run_child_wait4(args: list[str], sample_tree: bool = False) -> tuple[float, str, float, float]:
    """Run one child process, reaped with wait4 so the peak RSS is its own; return seconds,
    its last output line, its peak RSS and (with ``sample_tree``) the peak memory of its process
    tree as summed PSS, in MiB."""
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    # Cache bytecode as an installed bot (and reader) does, even where the shell turns it off.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, *args], stdout=out, stderr=err, text=True, cwd=ROOT, env=env
        )
        memory = TreeMemory(process.pid)
        if sample_tree:
            memory.start()
        _, status, usage = os.wait4(process.pid, 0)
        if sample_tree:
            memory.done.set()
            memory.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({process.returncode}): {stderr[-2000:]}")
    lines = stdout.strip().splitlines()
    return seconds, lines[-1] if lines else "", usage.ru_maxrss / 1024, memory.peak / 2**20


def parse_floor(files: list[Path]) -> dict[str, tuple[float, int, int]]:
    """Sequential in-process parse of every file: seconds, entries, fallbacks per parser."""
    import feedparser

    from bot.ingest.parse import ParseError, parse_feed, prepared_xml
    from bot.ingest.parse.fast import Declined, parse_with_lxml
    from bot.ingest.parse.reference import parse_with_feedparser

    bodies = [(path.suffix == ".json", path.read_bytes()) for path in files]
    results: dict[str, tuple[float, int, int]] = {}

    # feedparser as the old parse path ran it (sanitiser and URI rewriting off), then with its
    # defaults, as reader runs it.
    started, entries = time.perf_counter(), 0
    for is_json, body in bodies:
        with contextlib.suppress(ParseError):
            if not is_json:
                text, _ = prepared_xml(body)
                entries += len(parse_with_feedparser(text, "http://127.0.0.1/feed").entries)
    results["feedparser (our settings)"] = (time.perf_counter() - started, entries, 0)
    started, entries = time.perf_counter(), 0
    for _, body in bodies:
        entries += len(feedparser.parse(io.BytesIO(body)).entries)
    results["feedparser.parse (defaults)"] = (time.perf_counter() - started, entries, 0)

    started, entries, declined = time.perf_counter(), 0, 0
    for is_json, body in bodies:
        if is_json:
            continue
        try:
            _, data = prepared_xml(body)
            entries += len(parse_with_lxml(data, "http://127.0.0.1/feed").entries)
        except (Declined, ParseError):
            declined += 1
    results["lxml fast path alone (XML)"] = (time.perf_counter() - started, entries, declined)

    started, entries, fallbacks = time.perf_counter(), 0, 0
    for is_json, body in bodies:
        content_type = "application/feed+json" if is_json else None
        try:
            feed = parse_feed(body, url="http://127.0.0.1/feed", content_type=content_type)
        except ParseError:
            continue
        entries += len(feed.entries)
        fallbacks += feed.format.endswith("+feedparser")
    results["parse_feed (fast + fallback)"] = (time.perf_counter() - started, entries, fallbacks)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/corpus/feeds")
    parser.add_argument(
        "--executor",
        choices=("bot", "process", "thread"),
        default="bot",
        help="bot: the pool `briefbot fetch` uses (2 workers forked at start); process: a "
        "plain 2-process pool; thread: threads, as the running bot parses by default",
    )
    parser.add_argument("--runs", type=int, default=3, help="cold/warm pairs; the best is shown")
    parser.add_argument("--reader-workers", type=int, default=4)
    parser.add_argument(
        "--per-host",
        type=int,
        default=4,
        help="[feeds] per_host_concurrency (all corpus feeds share 127.0.0.1 here; higher values "
        "measured slower, as the loopback server shares this process's 2 cores)",
    )
    parser.add_argument("--cli", action="store_true", help="time `briefbot fetch --all` itself")
    parser.add_argument("--skip-reader", action="store_true", help="do not time reader (c)")
    parser.add_argument(
        "--workers", type=int, default=None, help="with --cli: briefbot fetch --workers N"
    )
    parser.add_argument(
        "--child-cycle", nargs=2, metavar=("CONFIG", "EXECUTOR"), help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--child-reader", nargs=3, metavar=("DB", "URLS", "WORKERS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child_cycle:
        child_cycle(*args.child_cycle)
        return
    if args.child_reader:
        child_reader(args.child_reader[0], args.child_reader[1], int(args.child_reader[2]))
        return

    # Only the parent serves the corpus: measured children do not pay for importing the server.
    from tests.feedserver import FeedServer

    files = sorted(p for p in args.corpus.iterdir() if p.is_file())
    total_bytes = sum(p.stat().st_size for p in files)
    with FeedServer() as server, tempfile.TemporaryDirectory() as tmp:
        for path in files:
            server.serve_file(
                "/" + path.name,
                path,
                etag=f'"{path.stat().st_mtime_ns}"',
                last_modified="Tue, 17 Feb 2026 12:00:00 GMT",
                content_type="application/xml",
            )
        urls = [server.url("/" + p.name) for p in files]
        opml = Path(tmp) / "feeds.opml"
        opml.write_text(
            "<opml version='2.0'><body>"
            + "".join(f"<outline xmlUrl='{url}'/>" for url in urls)
            + "</body></opml>"
        )
        (Path(tmp) / "none.toml").write_text("")
        print(f"corpus: {len(files)} feeds, {total_bytes / 2**20:.1f} MiB, served on loopback")
        print(
            f"machine: {os.cpu_count()} cores, {platform.machine()}, Python "
            f"{sys.version.split()[0]}, {_versions()}"
        )
        what = (
            "`briefbot fetch --all` (analysis included)"
            if args.cli
            else (f"ingest cycle, {args.executor} executor for parsing")
        )
        print(f"cycle: {what}; per-host concurrency {args.per_host}; best of {args.runs}")
        rows: dict[str, tuple[float, float, int, float]] = {}
        summaries: dict[str, str] = {}
        trees: dict[str, float] = {}
        # One more cold/warm pair, untimed, samples the memory of the whole process tree: the
        # sampler's own CPU would slow the timed runs on a small machine.
        for run in range(args.runs + 1):
            config = _fresh_database(Path(tmp), run, opml, args.per_host)
            if args.cli:
                cycle = ["-m", "bot", "fetch", "--all", "--config", str(config)]
                if args.workers is not None:
                    cycle[4:4] = ["--workers", str(args.workers)]
            else:
                cycle = [__file__, "--child-cycle", str(config), args.executor]
            for label in ("cold", "warm"):
                if run == args.runs:
                    trees[label] = run_child_wait4(cycle, sample_tree=True)[3]
                    continue
                seconds, summary, peak, _ = run_child_wait4(cycle)
                entries = _number(summary, "entries parsed") or _number(summary, "new items")
                peak = max(peak, rows[label][1] if label in rows else 0)  # the highest of all runs
                if label not in rows or seconds < rows[label][0]:
                    rows[label] = (seconds, peak, entries, 0)
                    summaries[label] = summary
                else:
                    rows[label] = (*rows[label][:1], peak, *rows[label][2:])
        for label, tree in trees.items():
            rows[label] = (*rows[label][:3], tree)
        for label in ("cold", "warm"):
            seconds, peak, entries, tree = rows[label]
            name = "(a) cold" if label == "cold" else "(b) warm"
            _print_row(name, seconds, entries, peak, tree)
            print(f"      {summaries[label]}")

        try:
            import reader  # noqa: F401
        except ImportError:
            skipped = "pip install -e '.[bench]' to compare with lemon24/reader"
        else:
            skipped = "--skip-reader" if args.skip_reader else ""
        if skipped:
            print(f"(c) reader: skipped ({skipped})")
        else:
            urls_file = Path(tmp) / "urls.txt"
            urls_file.write_text("\n".join(urls))
            best: tuple[float, str, float, float] | None = None
            for run in range(args.runs):  # best of the same number of runs as ours
                reader_args = [
                    __file__,
                    "--child-reader",
                    f"{tmp}/reader{run}.sqlite",
                    str(urls_file),
                    str(args.reader_workers),
                ]
                measured = run_child_wait4(reader_args)
                best = measured if best is None or measured[0] < best[0] else best
            assert best is not None
            seconds, summary, peak, _ = best
            entries = _number(summary, "entries stored")
            rows["reader"] = (seconds, peak, entries, 0)
            _print_row(f"(c) reader ({args.reader_workers} workers)", seconds, entries, peak, 0)
            print(f"      {summary}")

    print("(d) parse floor, in-process, sequential over the same bytes:")
    floor = parse_floor(files)
    for label, (seconds, entries, fallbacks) in floor.items():
        extra = f", {fallbacks} declined/fallbacks" if fallbacks else ""
        print(f"      {label:<30} {seconds:6.2f} s, {entries:,} entries{extra}")

    cold = rows["cold"][0]
    print("ratios:")
    if "reader" in rows:
        print(
            f"      reader cold / ours cold     {rows['reader'][0] / cold:6.1f}x  (target >= 10x)"
        )
    ours_floor = floor["parse_feed (fast + fallback)"][0]
    print(f"      ours cold / parse_feed floor {cold / ours_floor:6.1f}x")
    old_floor = floor["feedparser (our settings)"][0]
    print(f"      ours cold / feedparser floor {cold / old_floor:6.2f}x")
    print(
        f"      warm cycle {rows['warm'][0]:.2f} s (target < 1 s); peak RSS max "
        f"{max(rows['cold'][1], rows['warm'][1]):.0f} MiB, "
        f"{max(rows['cold'][3], rows['warm'][3]):.0f} MiB PSS with the workers (target < 250 MiB)"
    )


def _fresh_database(tmp: Path, run: int, opml: Path, per_host: int) -> Path:
    """A config pointing at a new database holding every corpus feed; returns its path."""
    config = tmp / f"config{run}.toml"
    config.write_text(
        f'[storage]\npath = "{tmp}/bench{run}.db"\n'
        f'[feeds]\nallow_private_networks = true\ndefaults_file = "{tmp}/none.toml"\n'
        f"per_host_concurrency = {per_host}\n"
    )
    subprocess.run(
        [sys.executable, "-m", "bot", "feeds", "import", str(opml), "--config", str(config)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return config


def _print_row(label: str, seconds: float, entries: int, peak: float, tree: float) -> None:
    rate = f", {entries / seconds:,.0f} entries/s" if entries else ""
    with_workers = f" (with workers {tree:.0f} MiB PSS)" if tree else ""
    print(f"{label:<26} {seconds:6.2f} s wall, peak RSS {peak:6.1f} MiB{with_workers}{rate}")


def _number(text: str, suffix: str) -> int:
    import re

    match = re.search(rf"(\d+) {suffix}", text)
    return int(match.group(1)) if match else 0


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("feedparser", "lxml", "reader"):
        with contextlib.suppress(PackageNotFoundError):
            found.append(f"{name} {version(name)}")
    return ", ".join(found)


if __name__ == "__main__":
    main()
