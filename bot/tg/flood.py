"""Per-user flood control: after too many commands a minute, one warning, then silence."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class FloodGate:
    """Counts commands per user in a sliding window (the clock is passed in)."""

    limit: int = 20
    window: timedelta = timedelta(minutes=1)
    cooldown: timedelta = timedelta(minutes=1)
    max_users: int = 10_000
    _seen: dict[Hashable, deque[datetime]] = field(default_factory=dict)
    _blocked_until: dict[Hashable, datetime] = field(default_factory=dict)

    def check(self, user_id: Hashable, now: datetime) -> str:
        """ "ok" to answer, "warn" to send the one slow-down reply, "drop" to ignore."""
        until = self._blocked_until.get(user_id)
        if until is not None:
            if now < until:
                return "drop"
            del self._blocked_until[user_id]
            self._seen.pop(user_id, None)
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        seen.append(now)
        if len(seen) > self.limit:
            self._blocked_until[user_id] = now + self.cooldown
            return "warn"
        if len(self._seen) > self.max_users:  # forget idle users so memory stays bounded
            for stale in [
                uid for uid, times in self._seen.items() if now - times[-1] >= self.window
            ]:
                del self._seen[stale]
        return "ok"
