# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):
    # The wait options every certops.orders module shares (private fragment).
    DOCUMENTATION = r"""
options:
  wait_for:
    description:
      - Status names to wait for. The task polls until every selected order is in one of them (or has
        passed one, see O(wait_match)), one of them reaches a status in O(fail_on), or O(wait_timeout)
        runs out.
      - Any name of any status catalogue of the provider is accepted (see the module's notes), and the
        provider-neutral phases C(pending), C(action_required), C(issued), C(failed), C(canceled) and
        C(deleted). Names are checked against the catalogues, which the module fetches from the
        provider (never hard-coded); an unknown name fails the task and lists the valid ones.
      - An order whose lifecycle has ended (phase C(failed), C(canceled) or C(deleted)) without reaching
        a name in O(wait_for) ends the wait at once as a failure, since it never will.
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
      - Status names that end the wait at once as a failure, when the order or one of its parts (a
        domain or a domain validation) is in one of them.
      - Defaults to the provider's terminal failure statuses (see the module's notes). Names also
        listed in O(wait_for) are ignored here. An empty list waits through any status except the end
        of the order's lifecycle (see O(wait_for)).
      - Only used together with O(wait_for).
    type: list
    elements: str
  wait_match:
    description:
      - How a status in O(wait_for) is matched.
      - V(lifecycle) (the default) accepts a status the order has already passed on its provider's
        lifecycle, so a wait for the CA's approval or for domain validation is satisfied by an
        order that is issued already (see the waiting guide for each provider's order of statuses).
      - V(exact) accepts only the status the order is in; an order that has already passed the status
        fails the wait at once, since it does not go back.
      - Only used together with O(wait_for).
    type: str
    choices: [lifecycle, exact]
  wait_progress:
    description:
      - While a task waits, every this many seconds (0 to 3600) the controller's output shows one line
        with the time waited, the polls and the orders per status, and a line for each status change
        seen since the previous one, at default verbosity. V(0) shows nothing until the task ends.
      - The collection's action plugin does this by running the wait in slices of this length, one module
        call each; the time budget stays one (O(wait_timeout) counts from the start of the task), and
        the result is the one a single call returns. An order module's later slices read the order by id
        with its info module, so nothing the task changed is repeated.
      - Not used in check mode (which never waits), nor with C(async) (the module then runs in the
        background; poll it with M(ansible.builtin.async_status)).
    type: int
    default: 60
"""

    # The options of a wait for a selection of orders (the info modules).
    INFO = r"""
options:
  allow_empty:
    description:
      - With O(wait_for), a selection that matches no order fails the task, naming the selection, since
        a wait for nothing would succeed at once and hide a wrong selector.
      - Set to V(true) when an empty selection is expected; the task then succeeds with no orders.
        Defaults to V(false).
      - Only used together with O(wait_for).
    type: bool
"""
