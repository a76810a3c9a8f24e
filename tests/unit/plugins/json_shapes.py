# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hypothesis strategies for provider bodies of any JSON shape, and the settings of the property tests.

Two kinds of body: an arbitrary JSON value (what a broken gateway, a proxy page decoded as JSON or
a changed API may answer), and a known-good sample with one field replaced by an arbitrary value
or removed (what a real answer that differs in one place looks like, which reaches much deeper
into the code than a random value does).
"""

import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.certops.orders.plugins.module_utils._contract import OptionError, TaskFailed, parse
from ansible_collections.certops.orders.plugins.module_utils._http import ApiError

#: the failures a runner reports cleanly: anything else escaping a provider is a crash
CLEAN = (ApiError, OptionError, TaskFailed)


def outcome(action, provider):
    """``action(provider)``'s return value, or the clean failure it raised (which must say something)."""
    try:
        return action(provider)
    except CLEAN as exc:
        assert str(exc)
        return exc


#: ``CERTOPS_PROPERTY_SCALE=10`` runs ten times the examples (a deeper look before a release); the
#: default keeps every property test of the suite together under about 20 seconds.
SCALE = float(os.environ.get("CERTOPS_PROPERTY_SCALE") or 1)


def _settings(examples):
    # Deterministic (the same examples on every run, so CI cannot go red by chance), no deadline (a
    # slow machine must not fail a test), no example database (nothing written into the work tree).
    return settings(max_examples=max(1, int(examples * SCALE)), derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


#: for a reader or a parser on its own
PROPERTY = _settings(100)
#: for one endpoint of one provider path (there are some sixty of them)
PER_ENDPOINT = _settings(50)

#: Values at the edges of what a JSON decoder returns: integers too large for a float, infinities
#: (Python's json reads ``Infinity``), and the empty containers.
EDGES = st.sampled_from([0, -1, 2 ** 63, 10 ** 400, -10 ** 400, 1e308, float("inf"), float("-inf"), "", [], {}])

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12), EDGES)


def json_values(max_leaves=10):
    """Any JSON value: scalars, and lists and objects (text keys) of JSON values, nested."""
    return st.recursive(
        SCALARS,
        lambda children: st.one_of(st.lists(children, max_size=4),
                                   st.dictionaries(st.text(max_size=8), children, max_size=4)),
        max_leaves=max_leaves)


#: one instance, so that hypothesis builds it once
JSON = json_values()


def _paths(value, prefix=()):
    """The path of every node below ``value`` (dict keys and list indexes)."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, child in items:
        yield prefix + (key,)
        yield from _paths(child, prefix + (key,))


_REMOVE = object()


def _replaced(value, path, new):
    """A copy of ``value`` with the node at ``path`` replaced by ``new`` (or removed, for _REMOVE)."""
    head, rest = path[0], path[1:]
    copy = dict(value) if isinstance(value, dict) else list(value)
    if rest:
        copy[head] = _replaced(value[head], rest, new)
    elif new is _REMOVE:
        del copy[head]
    else:
        copy[head] = new
    return copy


@st.composite
def mutated(draw, sample):
    """``sample`` with one node (at any depth) replaced by an arbitrary JSON value, or removed."""
    paths = list(_paths(sample))
    if not paths:
        return draw(JSON)
    path = draw(st.sampled_from(paths))
    new = draw(st.one_of(JSON, st.just(_REMOVE)))
    return _replaced(sample, path, new)


def bodies(sample):
    """What an endpoint whose good answer is ``sample`` may answer instead: anything, the sample
    with one field changed, or the sample in the wrong container (a list for an object and back)."""
    wrapped = [sample] if not isinstance(sample, list) else (sample[0] if sample else {})
    return st.one_of(JSON, mutated(sample), st.just(wrapped), st.just(None))


#: ``Retry-After`` values: numbers, HTTP dates with any fields, and arbitrary text.
_DAYS = st.sampled_from(["Mon", "Tue", "Wed", "Sun", "Xyz", ""])
_MONTHS = st.sampled_from(["Jan", "Feb", "Oct", "Dec", "Foo"])
HTTP_DATES = st.builds(
    lambda day, dom, month, year, hh, mm, ss, zone: "%s, %s %s %s %s:%s:%s %s" % (day, dom, month, year, hh, mm, ss, zone),
    _DAYS, st.integers(-5, 99), _MONTHS, st.integers(-10 ** 6, 10 ** 12), st.integers(-1, 99), st.integers(-1, 99),
    st.integers(-1, 99), st.sampled_from(["GMT", "+0000", "-9999", "+2400", "EST", "", "Z"]))
RETRY_AFTER = st.one_of(
    st.text(max_size=40), HTTP_DATES,
    st.floats(allow_nan=True).map(repr), st.integers().map(str),
    st.sampled_from(["1e999", "-1e999", "nan", "inf", "-0", "0x10", " 5 ", "\u00b2", "\u0663"]))


def every_reader_test(readers, endpoint):
    """The property test both providers run over their readers: each ``(reader, sample)`` reads any
    body shaped around its sample, or refuses it with an ApiError that names ``endpoint``."""

    @pytest.mark.parametrize("reader, sample", readers, ids=[r.__name__ for r, _s in readers])
    @PROPERTY
    @given(data=st.data())
    def test(reader, sample, data):
        body = data.draw(bodies(sample))
        try:
            parse(reader, body, endpoint)
        except ApiError as exc:
            assert endpoint in str(exc)

    return test
