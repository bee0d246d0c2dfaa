"""The briefbot command: argparse and printing only."""

from bot.cli.main import main

__all__ = ["main"]
