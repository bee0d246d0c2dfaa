"""briefbot: a Telegram briefing bot for one fast-moving news story."""

__version__ = "0.1.0"
