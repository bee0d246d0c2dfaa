"""Command-line interface: ``briefbot run | version | …``. Every subcommand takes --config."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bot import __version__
from bot.cli import analysis as cli_analysis
from bot.cli import ecosystem as cli_extra
from bot.cli import feeds as cli_feeds
from bot.cli.feeds import CommandError
from bot.core.config import ConfigError, Settings, load_settings
from bot.core.logs import setup_logging

EXIT_OK = 0
EXIT_USAGE = 2

NO_TOKEN_MESSAGE = (
    "briefbot: no bot token. Create a bot with @BotFather in Telegram (https://t.me/BotFather), "
    "then set BRIEFBOT_TOKEN=<token> or [telegram] token in config.toml."
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a subcommand's absent option must not overwrite one given before it.
    common.add_argument(
        "--config", metavar="PATH", default=argparse.SUPPRESS, help="configuration file (TOML)"
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log debug messages"
    )

    parser = argparse.ArgumentParser(
        prog="briefbot",
        description="A Telegram bot that briefs you on security guarantees for Ukraine.",
    )
    parser.add_argument("--version", action="version", version=f"briefbot {__version__}")
    parser.add_argument("--config", metavar="PATH", help="configuration file (TOML)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    sub.add_parser("run", parents=[common], help="start the bot (long polling)").set_defaults(
        func=_run
    )
    sub.add_parser("version", parents=[common], help="print the version").set_defaults(
        func=_version
    )
    cli_feeds.register(sub, common)
    cli_analysis.register(sub, common)
    cli_extra.register(sub, common)
    return parser


def _version(args: argparse.Namespace, settings: Settings) -> int:
    print(f"briefbot {__version__}")
    return EXIT_OK


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.telegram.token:
        print(NO_TOKEN_MESSAGE, file=sys.stderr)
        return EXIT_USAGE
    from bot.tg.runner import run

    return run(settings)


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error).removeprefix("the disk is full: ") or type(error).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``briefbot`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as error:
        print(f"briefbot: config error: {error}", file=sys.stderr)
        return EXIT_USAGE
    quiet = logging.INFO if args.command == "run" else logging.WARNING
    setup_logging(logging.DEBUG if args.verbose else quiet, secrets=[settings.telegram.token])
    try:
        return int(args.func(args, settings))
    except (CommandError, ConfigError) as error:
        print(f"briefbot: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`briefbot items | head`): not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # after BrokenPipeError, an OSError too
        # Imported here: a command imports storage when it needs it (see cli/feeds.py).
        from bot.storage.db import is_disk_full

        if not is_disk_full(error):
            raise
        from bot.briefing.health import DISK_FULL

        where = settings.storage.path.parent
        print(
            f"briefbot: the disk holding {where} is full ({_reason(error)}); free some space "
            "and run it again (what was stored is intact)",
            file=sys.stderr,
        )
        return DISK_FULL
