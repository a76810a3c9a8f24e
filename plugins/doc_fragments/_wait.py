# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):
    # The wait options every certops.orders module shares (private fragment).
    DOCUMENTATION = r"""
options:
  wait_for:
    description:
      - Status names to wait for. The task polls until every selected order is in one of them,
        one of them reaches a status in O(fail_on), or O(wait_timeout) runs out.
      - Names are checked against the provider's status catalogue (fetched from the provider, never
        hard-coded); an unknown name fails the task and lists the valid ones.
      - When not set, the task does not wait.
    type: list
    elements: str
  wait_timeout:
    description:
      - The task's time budget in seconds, from 0 to 2678400 (a month), counted from the start of the
        task. It is how long to wait at most for O(wait_for).
      - Every HTTP call, retry and pause comes out of this budget, also when the task does not wait; a
        task returns within O(wait_timeout) plus one O(timeout), whatever the provider does. A
        C(Retry-After) longer than what is left ends the task at once.
      - On timeout the task fails and still returns the last-seen orders and the wait history.
    type: int
    default: 600
  wait_sleep:
    description:
      - The longest pause, in seconds, between two polls, from 1 to 3600.
      - Polling starts quick (every second) and backs off to about a tenth of the time already
        waited, never more than O(wait_sleep) and never past the deadline.
    type: int
    default: 30
  fail_on:
    description:
      - Status names that end the wait at once as a failure.
      - Defaults to the provider's terminal failure statuses (see the module's notes). Names also
        listed in O(wait_for) are ignored here. An empty list waits through any status.
      - Only used together with O(wait_for).
    type: list
    elements: str
"""
