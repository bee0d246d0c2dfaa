"""Ingest benchmark: the 200-feed corpus served on loopback, cold and warm `briefbot fetch --all`.

Usage: python bench/ingest.py [--corpus ../shared/corpus/feeds] [--runs 1]
Prints wall time, new items, entries per second and peak memory (max RSS) of each cycle.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.feedserver import FeedServer  # noqa: E402


def run_cycle(config: Path) -> tuple[float, str, float]:
    """Run one `briefbot fetch --all` in a fresh process; return seconds, summary, peak RSS MiB."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "fetch", "--all", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    output = process.stdout.read() if process.stdout else ""
    if status != 0:
        raise SystemExit(f"fetch failed with status {status}: {output}")
    return seconds, output.strip().splitlines()[-1], usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/corpus/feeds")
    args = parser.parse_args()
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
        opml = Path(tmp) / "feeds.opml"
        opml.write_text(
            "<opml version='2.0'><body>"
            + "".join(f"<outline xmlUrl='{server.url('/' + p.name)}'/>" for p in files)
            + "</body></opml>"
        )
        config = Path(tmp) / "config.toml"
        (Path(tmp) / "none.toml").write_text("")
        config.write_text(
            f'[storage]\npath = "{tmp}/bench.db"\n'
            f'[feeds]\nallow_private_networks = true\ndefaults_file = "{tmp}/none.toml"\n'
        )
        subprocess.run(
            [sys.executable, "-m", "bot", "feeds", "import", str(opml), "--config", str(config)],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        print(f"corpus: {len(files)} feeds, {total_bytes / 2**20:.1f} MiB, served on loopback")
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        for label in ("cold", "warm"):
            seconds, summary, peak = run_cycle(config)
            match = re.search(r"(\d+) new items", summary)
            new = int(match.group(1)) if match else 0
            rate = f", {new / seconds:,.0f} new items/s" if new else ""
            print(f"{label:>4}: {seconds:6.2f} s wall, peak RSS {peak:6.1f} MiB{rate}")
            print(f"      {summary}")


if __name__ == "__main__":
    main()
