"""SoftLayer's documented rate limit: at most N requests per API user in any 1-second window.

The reference (``shared/providers/softlayer.md`` D2 and the error table of section 9.2) quotes the
answer: HTTP 500 with ``{"error": "Rate limit of 50 requests for every 1 second(s) exceeded.",
"code": "SoftLayer_Exception_WebService_RateLimitExceeded"}`` (observed in softlayer/softlayer-go #75 and
softlayer/softlayer-python #884). That the limit counts per API user is inferred, not documented.

The window slides: a request is admitted when fewer than ``limit`` requests of the same user were
admitted in the second before it. Only admitted requests are counted. A client that keeps calling
while refused would otherwise keep its own window full for as long as it retries, and never get
through; counting admissions only bounds what the API really processes, which is what the limit
protects.

Time is the machine's monotonic clock, not the sandbox clock: the limit is about how fast requests
arrive, and the sandbox clock may be frozen (a frozen clock would keep a full window closed forever)
or moved by hours with the control API. ``clock`` is the seam tests replace to drive it.
"""

import collections
import threading
import time

WINDOW = 1.0


class RateLimiter:
    """Sliding-window admission per user; thread-safe (the server answers requests on many threads)."""

    def __init__(self, clock=None):
        self.clock = clock or time.monotonic
        self._lock = threading.Lock()
        self._admitted = {}

    def admit(self, user, limit):
        """True when ``user`` may make one more request now (and count it); False when over ``limit``.

        ``limit`` 0 (or anything not a positive number) switches the check off: nothing is counted.
        """
        if not isinstance(limit, (int, float)) or isinstance(limit, bool) or limit <= 0:
            return True
        now = self.clock()
        with self._lock:
            times = self._admitted.setdefault(user, collections.deque())
            while times and now - times[0] >= WINDOW:
                times.popleft()
            if len(times) >= limit:
                return False
            times.append(now)
            return True

    def clear(self):
        with self._lock:
            self._admitted.clear()
