# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every unit test shares: exit/fail as exceptions and a clock that only moves on sleep."""


class Exit(Exception):
    """``exit_json`` was called; ``args[0]`` is the result."""


class Fail(Exception):
    """``fail_json`` was called; ``args[0]`` is the result."""


class FakeTime:
    """Stands in for the ``time`` module of the waiter, the HTTP seam and the token cache.

    ``monotonic()`` starts at 0; ``time()`` is a fixed wall-clock epoch plus the same offset (for
    ``Retry-After`` dates and token expiry); ``sleep()`` records the pause and moves both.
    """

    EPOCH = 1.7e9

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def time(self):
        return self.EPOCH + self.now

    def sleep(self, seconds):
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds
