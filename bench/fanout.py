"""Fan-out benchmark: N subscribers due at the same minute, one digest each, under a 30 msg/s limit.

Usage: python bench/fanout.py [--subscribers 10000] [--rate 30] [--limiter default|smooth]

The real ``Application`` (``tests.botharness.running_bot``, poll job off) sends through the fake
Bot API server (``tests.fake_telegram.FakeTelegram``) whose ``messages_per_second`` enforces the
limit as a sliding 1-s window and answers 429 (retry_after=1) beyond it. The world is the small
news world of ``tests/newsdata.py`` ingested through the real pipeline, so every subscriber's
digest is the same, built once. Subscribers are created with
``bot.briefing.subscriptions.subscribe`` at an
injected clock, all due at 08:00 Kyiv; the clock is then moved to 08:00:30 and
``bot.tg.delivery.deliver_due_digests`` is called until nothing is due (each call is one digest
tick; the periodic digest job is removed so that only these calls send).

``--limiter smooth`` monkeypatches ``bot.tg.app.AIORateLimiter`` to
``AIORateLimiter(overall_max_rate=1, overall_time_period=1 / rate, max_retries=3)``: the same
average rate without the leaky bucket's initial burst of ``rate`` messages.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import platform
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app.service import Service  # noqa: E402
from bot.briefing import subscriptions  # noqa: E402
from bot.core.config import Settings, replace_section  # noqa: E402
from bot.ingest.fetch import Fetcher  # noqa: E402
from bot.storage.store import Store  # noqa: E402
from bot.tg import app as tg_app  # noqa: E402
from bot.tg import delivery  # noqa: E402
from tests.botharness import running_bot  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.feedserver import FeedServer  # noqa: E402
from tests.newsdata import load_world  # noqa: E402

SUBSCRIBED_AT = datetime(2026, 2, 17, 9, 0, tzinfo=UTC)
DUE = datetime(2026, 2, 18, 6, 0, 30, tzinfo=UTC)  # 08:00:30 in Kyiv
FIRST_CHAT = 10_000_000


class Clock:
    """The injected clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def use_smooth_limiter(rate: float) -> None:
    """Replace the Application's rate limiter by one that spaces sends evenly (no burst)."""
    from telegram.ext import AIORateLimiter

    tg_app.AIORateLimiter = functools.partial(  # type: ignore[misc]
        AIORateLimiter, overall_max_rate=1, overall_time_period=1 / rate
    )


async def run(subscribers: int, rate: float, workdir: Path) -> dict[str, float]:
    """Create the world and the subscribers, deliver, and return the figures."""
    clock = Clock(SUBSCRIBED_AT)
    with FakeTelegram() as fake, FeedServer() as feeds:
        settings = replace_section(Settings(), "storage", path=workdir / "fanout.db")
        settings = replace_section(
            settings, "telegram", token=fake.token, base_url=fake.base_url, admins=(1,)
        )
        settings = replace_section(settings, "feeds", allow_private_networks=True)
        settings = replace_section(
            settings,
            "analysis",
            topic_file=ROOT / "data" / "topic.toml",
            actors_file=ROOT / "data" / "actors.toml",
        )
        store = Store.open(settings.storage.path)
        service = Service(settings, store, clock=clock)
        async with Fetcher.from_settings(settings.feeds) as fetcher:
            await load_world(service, fetcher, feeds)

        started = time.perf_counter()
        with store.transaction():
            for number in range(subscribers):
                subscriptions.subscribe(
                    service, FIRST_CHAT + number, at=clock_time(8), zone="Europe/Kyiv"
                )
        subscribe_seconds = time.perf_counter() - started

        async with running_bot(service, poll_job=False) as application:
            for job in application.job_queue.get_jobs_by_name("digests"):
                job.schedule_removal()
            clock.now = DUE
            fake.messages_per_second = rate
            before = len(fake.calls_to("sendMessage"))
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            totals: Counter[str] = Counter()
            ticks = 0
            started = time.perf_counter()
            while counts := await delivery.deliver_due_digests(application):
                totals.update(counts)
                ticks += 1
            elapsed = time.perf_counter() - started
            fake.messages_per_second = None

        sends = fake.calls_to("sendMessage")[before:]
        per_chat = Counter(int(call.params["chat_id"]) for call in sends if call.params.get("_ok"))
        store.close()

    expected = set(range(FIRST_CHAT, FIRST_CHAT + subscribers))
    exactly_once = sum(1 for chat in expected if per_chat.get(chat) == 1)
    delivered = sum(per_chat[chat] for chat in expected)
    return {
        "subscribers": subscribers,
        "subscribe_s": subscribe_seconds,
        "ticks": ticks,
        "sent": totals.get("sent", 0),
        "other": sum(v for k, v in totals.items() if k != "sent"),
        "elapsed_s": elapsed,
        "rate": delivered / elapsed,
        "share": delivered / elapsed / rate,
        "429s": fake.too_many_requests,
        "exactly_once": exactly_once,
        "delivered": delivered,
        "requests": len(sends),
        "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "maxrss_before_mib": rss_before / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--limiter", choices=("default", "smooth"), default="default")
    parser.add_argument(
        "--limiter-rate", type=float, help="messages/s for --limiter smooth (default: --rate)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    # AIORateLimiter logs every 429 with a traceback; the count is reported below instead.
    logging.getLogger("telegram.ext").setLevel(logging.CRITICAL)
    if args.limiter == "smooth":
        use_smooth_limiter(args.limiter_rate or args.rate)
    print(
        f"python {platform.python_version()}; {args.subscribers} subscribers, "
        f"limit {args.rate:g} msg/s, limiter {args.limiter}"
    )
    with tempfile.TemporaryDirectory(prefix="briefbot-fanout-") as workdir:
        figures = asyncio.run(run(args.subscribers, args.rate, Path(workdir)))
    f = figures
    print(f"subscribing {f['subscribers']:.0f} chats: {f['subscribe_s']:.1f} s")
    print(
        f"delivery: {f['elapsed_s']:.1f} s in {f['ticks']:.0f} deliver_due_digests calls; "
        f"{f['rate']:.1f} msg/s = {f['share']:.0%} of {args.rate:g}/s"
    )
    print(
        f"sendMessage requests: {f['requests']:.0f}; 429 answers: {f['429s']:.0f}; "
        f"outcomes: sent {f['sent']:.0f}, other {f['other']:.0f}"
    )
    print(
        f"exactly one digest: {f['exactly_once']:.0f} of {f['subscribers']:.0f} chats "
        f"({f['delivered']:.0f} delivered messages)"
    )
    print(f"peak RSS: {f['maxrss_mib']:.0f} MiB (before delivery {f['maxrss_before_mib']:.0f} MiB)")


if __name__ == "__main__":
    main()
