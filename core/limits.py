"""Per-user message rate limit, shared by every session of the process."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class RateLimiter:
    """At most `limit` events per user in any `window_s` seconds (sliding window)."""

    def __init__(self, limit: int, window_s: float = 60.0, clock=time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._events: dict[int, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def try_acquire(self, user_id: int) -> float:
        """0 if allowed (and counted); else seconds until the next one is allowed."""
        now = self._clock()
        with self._lock:
            events = self._events[user_id]
            while events and now - events[0] >= self.window_s:
                events.popleft()
            if self.limit and len(events) >= self.limit:
                return self.window_s - (now - events[0])
            events.append(now)
            return 0.0
