"""What to do after trying to send a digest: pure decisions on send outcomes.

Telegram's answers arrive here as a :class:`SendOutcome` (the Telegram layer translates its
errors); :func:`decide` turns an outcome, the attempts so far and ``now`` into a
:class:`Decision` that the use cases in :mod:`bot.briefing.deliveries` carry out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

# A digest Telegram keeps refusing is retried after 5, 10, 20, 40 minutes, then skipped.
MAX_ATTEMPTS = 5
RETRY_MINUTES = 5
# Network errors and 5xx are retried at every tick (30 s) for about ten minutes first.
MAX_TRANSIENT_ATTEMPTS = 20

SendStatus = Literal["sent", "blocked", "migrated", "failed"]
Action = Literal["finish", "deactivate", "retry", "back_off", "give_up"]


@dataclass(frozen=True)
class SendOutcome:
    """How sending one message (or a few parts) to one chat ended."""

    status: SendStatus
    chat_id: int
    new_chat_id: int | None = None
    error: str | None = None
    transient: bool = False  # network trouble or a server error: worth trying at the next tick


@dataclass(frozen=True)
class Decision:
    """What to do with a delivery after a send: ``retry_at`` for retry and back_off."""

    action: Action
    retry_at: datetime | None = None


def decide(outcome: SendOutcome, *, attempts: int, now: datetime, due_at: datetime) -> Decision:
    """The next step for a delivery whose send ended with ``outcome``.

    ``attempts`` counts this one. Sent: finish (the subscriber's cursor advances). Blocked or
    gone: deactivate the subscriber. Network trouble: retry at the next tick (the due time
    stays), up to :data:`MAX_TRANSIENT_ATTEMPTS`. Refused: back off 5, 10, 20, 40 minutes, and
    after :data:`MAX_ATTEMPTS` give this slot up (the next digest carries its stories).
    """
    if outcome.status == "sent":
        return Decision("finish")
    if outcome.status == "blocked":
        return Decision("deactivate")
    if outcome.transient and attempts < MAX_TRANSIENT_ATTEMPTS:
        return Decision("retry", due_at)
    if attempts >= MAX_ATTEMPTS:
        return Decision("give_up")
    return Decision("back_off", now + timedelta(minutes=RETRY_MINUTES * 2 ** (attempts - 1)))
