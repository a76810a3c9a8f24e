# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The provider contract of certops.orders (private: not for use outside this collection).

A provider is one package under ``module_utils`` (``_softlayer``, ``_edgecast``) with the same four
files: ``client.py`` (the wire: connection options, credentials, error conventions, one method per
API call), ``models.py`` (pydantic models of the answers and the flat result dicts), ``statuses.py``
(the status vocabulary and its phase map) and ``provider.py`` (the classes below, implemented).

The generic runners in ``_runner`` talk to a provider only through these classes:

- :class:`InfoProvider` for a ``*_status_info`` module: select, read, poll;
- :class:`OrderProvider` for a ``*_cert_order`` module: find, create once, update, remove.

A client follows every paged list under a :class:`Paging`, so that no provider answer keeps a
listing going for ever.

Both start with :meth:`Provider.check_options`, which must refuse bad input without any I/O: the
runner calls it before the first request, so a typo never costs a call (or sends a credential).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._http import ApiError

#: The provider-neutral phase reported beside every provider status.
PHASES = ("pending", "action_required", "issued", "failed", "canceled", "deleted")
#: The phases an order in a phase has passed on its way: an issued order was pending once.
PHASES_PASSED = {"action_required": ("pending",), "issued": ("pending", "action_required")}
#: The phases that end an order's lifecycle: nothing changes any more without someone acting.
FINAL_PHASES = ("failed", "canceled", "deleted")

#: What a body of the wrong shape raises while a model reads it (pydantic's ValidationError is a
#: ValueError; a list where a mapping belongs gives TypeError or AttributeError).
PARSE_ERRORS = (TypeError, ValueError, AttributeError)


class OptionError(Exception):
    """Bad module input detected before (or instead of) a provider call."""


class TaskFailed(Exception):
    """A failure that is neither bad input nor a failed HTTP call (for example a placed order whose
    record did not show up in time); ``changed`` says whether something changed at the provider."""

    def __init__(self, msg: str, changed: bool = False) -> None:
        super().__init__(msg)
        self.changed = changed


def parse(reader: Callable, data: Any, endpoint: str) -> Any:
    """``reader(data)``; a body that does not match its model becomes an :class:`ApiError` naming the
    endpoint, each field path and what was expected there (never the value: it might be a secret)."""
    try:
        return reader(data)
    except PARSE_ERRORS as exc:
        problems = []
        errors = getattr(exc, "errors", None)
        if callable(errors):
            for error in errors(include_url=False, include_input=False)[:5]:
                path = ".".join(str(part) for part in error.get("loc", ())) or "(the body)"
                problems.append("%s: %s" % (path, error.get("msg")))
        if not problems:
            problems.append("(the body): %s" % " ".join(str(exc).split())[:200])
        raise ApiError("%s answered with a body this module cannot read: %s" % (endpoint, "; ".join(problems)),
                       url=endpoint)


class Paging:
    """The bounds of one paged list call, so that no answer keeps a listing going for ever.

    A provider that ignores the page size or the offset, or that never stops offering pages, would
    otherwise be followed without end (one such SoftLayer double took 46,670 calls in a minute).
    :meth:`check` ends the listing with an :class:`ApiError` naming the call and why, when a page
    repeats an earlier page (the same ids: the offset is ignored), or, for a list paged by page
    number, when a page holds more items than asked (the page size is ignored, so the next page
    would skip or repeat items; unless it is the first page and the provider's total says it is
    the whole list); :meth:`exhausted` when ``max_pages`` pages were read and the provider still
    offers more.

    A list paged by item offset (``by_offset``: the next request asks for the item after the last
    one read) can follow a page larger than asked: the next offset still lands on the next item.
    If the provider ignores the offset too, the second page repeats the first, and that first
    page was the whole list when it held more than asked or as many items as the provider's
    total: :meth:`check` then says the listing is complete instead of failing.
    """

    def __init__(self, call: str, size: int, max_pages: int, narrow: str, by_offset: bool = False) -> None:
        self.call = call
        self.size = size
        self.max_pages = max_pages
        self.narrow = narrow
        self.by_offset = by_offset
        self.read = 0
        self._seen: dict[tuple, str] = {}

    def pages(self) -> range:
        """The page numbers (0-based) a listing may read."""
        return range(self.max_pages)

    def check(self, items: list, where: str, total: int | None, response: Any = None) -> bool:
        """Accept the page read at ``where`` (how the request named its position) or raise; ``total``
        is the item count the provider announced, if any; ``response`` the seam's Response. True
        when the page ends the listing by repeating a first page that was the whole list (then the
        page adds nothing); only a list paged ``by_offset`` gets True."""
        first = self.read == 0
        self.read += 1
        if len(items) > self.size and not self.by_offset and not (first and total == len(items)):
            raise self._error(response, "answered %d items at %s, where at most %d were asked for: the provider "
                                        "ignores the page size, so its pages cannot be followed without skipping or "
                                        "repeating items" % (len(items), where, self.size))
        key = tuple(_item_id(item) for item in items)
        if items and key in self._seen:
            if self.by_offset and self.read == 2 and (len(items) > self.size or total == len(items)):
                return True
            raise self._error(response, "answered at %s the same %d items (the same ids) as at %s: the provider "
                                        "ignores the position asked for, so the list would never end"
                              % (where, len(items), self._seen[key]))
        self._seen.setdefault(key, where)
        return False

    def exhausted(self, count: int, response: Any = None) -> ApiError:
        return self._error(response, "still offered more items after %d pages (%d items), the most this module reads "
                                     "from one list; %s" % (self.max_pages, count, self.narrow))

    def _error(self, response: Any, why: str) -> ApiError:
        return ApiError("%s %s" % (self.call, why), status=getattr(response, "status", None),
                        url=getattr(response, "url", None) or self.call,
                        method=getattr(response, "method", None))


def _item_id(item: Any) -> Any:
    """What tells a list item from another for :meth:`Paging.check`: its id (a model's attribute, or
    a dict's key), or its text when it has no id that can be compared."""
    found = item.get("id") if isinstance(item, dict) else getattr(item, "id", None)
    if isinstance(found, (int, str)):
        return found
    return repr(item)


def lenient():
    """A pydantic ``WrapValidator`` for a field that reads as None when it holds the wrong type: for
    what only steers (paging) or describes (error bodies), where the rest of the body is still worth
    reading. Called by the providers' models, which are the only code that loads pydantic."""
    from pydantic import ValidationError, WrapValidator

    def or_none(value, handler):
        try:
            return handler(value)
        except ValidationError:
            return None

    return WrapValidator(or_none)


class Vocabulary:
    """The status names a provider has (fetched from its catalogues), its default terminal failures
    (``failures``: those of its own names the catalogues list), and the provider-neutral
    :data:`PHASES`, which every wait accepts beside them.

    ``groups`` names each catalogue (``{"certificate statuses": [...], "order statuses": [...]}``) for
    messages that list the valid names; without it ``names`` is one group.
    """

    def __init__(self, names: list[str], failures: list[str], groups: dict | None = None) -> None:
        self.groups = dict(groups) if groups else {"": list(names)}
        self.names = list(names)
        for group in self.groups.values():
            self.names += [name for name in group if name not in self.names]
        self.failures = list(failures)

    def check(self, option: str, given: Iterable[str]) -> None:
        """Raise :class:`OptionError` naming each name of ``given`` that is neither a status of the
        provider nor a phase, and listing the valid ones by catalogue."""
        unknown = [name for name in given if name not in self.names and name not in PHASES]
        if unknown:
            listed = ["%s%s" % ("%s: " % title if title else "", ", ".join(names))
                      for title, names in self.groups.items() if names]
            listed.append("phases: %s" % ", ".join(PHASES))
            raise OptionError("%s has unknown status name%s %s; valid names are: %s" % (
                option, "s" if len(unknown) > 1 else "", ", ".join(repr(n) for n in unknown), "; ".join(listed)))


class Change:
    """What an order module did (or, in check mode, would do).

    ``before``/``after`` are the diff states (plain JSON data, None for absent); ``keys`` and
    ``objects`` are what a wait should follow (empty when there is nothing to wait for);
    ``result`` holds the module's own result keys (for example ``order`` and ``receipt``).
    """

    def __init__(self, changed: bool, before: dict | None = None, after: dict | None = None, keys: Iterable[Hashable] = (),
                 objects: dict | None = None, result: dict | None = None) -> None:
        self.changed = changed
        self.before = before
        self.after = after
        self.keys = list(keys)
        self.objects = dict(objects or {})
        self.result = dict(result or {})


class Provider(abc.ABC):
    """What both kinds of module need from a provider. Built once per module run, with the module
    and the task's budget; building it makes no request."""

    #: what one object is called in messages (``order``, ``certificate``)
    noun = "order"
    #: extra ``(name, present, traceback)`` library checks run before anything else
    requirements: tuple = ()
    #: whether the waiter reads every pending object each round; otherwise it reads them one at a
    #: time, in order, and stops at the first that is not ready (see ``_wait.Waiter``). A provider
    #: whose one request reads many objects always does; one that needs a request per object may
    #: leave the choice to the user
    polls_every_pending = True

    def __init__(self, module: AnsibleModule, budget: Budget) -> None:
        self.module = module
        self.params = module.params
        self.budget = budget

    @abc.abstractmethod
    def check_options(self) -> None:
        """Refuse input that needs no provider answer to be known bad (raise :class:`OptionError`)."""

    @abc.abstractmethod
    def catalogue(self) -> dict:
        """Result keys that every run of the module returns (the provider's status catalogues)."""

    @abc.abstractmethod
    def vocabulary(self, asked: Iterable[str] = ()) -> Vocabulary:
        """The status names ``wait_for`` and ``fail_on`` accept, and the default ``fail_on``. ``asked``
        holds the names the task gives: a provider with catalogues that few waits need may read them
        only when an asked name is not in its main ones."""

    @abc.abstractmethod
    def statuses(self, obj: dict) -> list[str | None]:
        """The status names an object is in now, in every vocabulary of the provider that describes the
        object as a whole (the object's ``phase`` is added by the runner)."""

    @abc.abstractmethod
    def passed(self, obj: dict) -> list[str]:
        """The status names the object has left behind on its lifecycle (an issued certificate has
        passed domain validation): a wait for one of them is already satisfied, unless it asks for
        exact matching. Phases are handled by the runner (:data:`PHASES_PASSED`)."""

    def parts(self, obj: dict) -> list[str | None]:
        """The status names some part of the object is in (a domain, a validation): ``fail_on`` matches
        them, so that one domain whose validation timed out ends a wait. None by default."""
        return []

    def advice(self, obj: dict) -> str:
        """What the user can do about the object's failure status (appended to a wait's failure
        message), or an empty text."""
        return ""

    @abc.abstractmethod
    def describe(self, obj: dict) -> str:
        """The status text of the wait history."""

    @abc.abstractmethod
    def poll(self, keys: list[Hashable]) -> dict:
        """``{key: object}`` with at least what a wait needs to decide (the statuses)."""

    @abc.abstractmethod
    def complete(self, keys: list[Hashable], objects: dict) -> dict:
        """The full objects to return after a wait, from the last-seen ones (``{key: object}``, which
        may lack keys the wait never read or hold only what ``poll`` read)."""


class InfoProvider(Provider):
    """A ``*_status_info`` module: select objects and read them."""

    #: result key holding the selected objects (``orders``, ``certificates``)
    result_key = "orders"
    #: the options that select objects, named in the message of a wait whose selection is empty
    selectors: tuple = ()

    @abc.abstractmethod
    def lookup(self) -> list[tuple[Hashable, dict | None]]:
        """The objects the options select, in order, as ``(key, object)``: the object when the
        lookup read it whole on its way (a list answer), else None."""

    @abc.abstractmethod
    def read(self, keys: list[Hashable]) -> dict:
        """``{key: full object}`` for ``keys``, in as few requests as the API allows."""


class OrderProvider(Provider):
    """A ``*_cert_order`` module: one order, found by what the options identify it with."""

    #: result key holding the managed object (``order``, ``certificate``)
    item_key = "order"
    #: seconds within which an order the provider accepted becomes visible to :meth:`find`: how long a
    #: run looks for the order of an earlier run's unanswered call before it concludes none was placed
    record_window = 60.0

    @abc.abstractmethod
    def identity(self):
        """The ``_journal.Identity`` of the order ``create()`` would place (from the options alone, no
        I/O), or None when this task cannot create one (for example, an order named by its id)."""

    @abc.abstractmethod
    def find(self) -> Any:
        """The existing order the options identify (a raw or parsed object, provider's choice), or None."""

    @abc.abstractmethod
    def create(self, entry) -> Change:
        """Create the order, once: through ``_runner.create_once`` with ``entry`` (the order journal's
        ``_journal.Entry`` for :meth:`identity`, None in check mode); in check mode, predict it."""

    @abc.abstractmethod
    def order_id(self, existing) -> Hashable:
        """The id of an order :meth:`find` returned (what the journal records)."""

    @abc.abstractmethod
    def update(self, existing: Any) -> Change:
        """Bring an existing order in line with the options (often: nothing to do)."""

    @abc.abstractmethod
    def remove(self, existing: Any) -> Change:
        """Cancel or delete, as the ``state`` option asks (``existing`` may be None)."""

    @abc.abstractmethod
    def progress(self) -> dict:
        """Result keys describing what this task already changed, for a failure that comes after a
        change (``{"changed": True, ...}``); empty when nothing changed yet."""
