# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``in`` operation of the SoftLayer object filter answers by set lookups; it must answer exactly
as comparing the value with each option one by one (``_equal``) does, for every kind of JSON value."""

from hypothesis import given, settings
from hypothesis import strategies as st

from certops_sandbox.softlayer import filters

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=6), st.sampled_from(["1", "1.0", " 2 ", "true", "0", "nan", "inf", "-0"]))
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=2), st.dictionaries(st.text(max_size=2), SCALARS, max_size=2))


@settings(max_examples=200, deadline=None)
@given(actual=SCALARS, values=st.lists(VALUES, max_size=8))
def test_in_answers_as_comparing_one_by_one(actual, values):
    expected = actual is not None and any(filters._equal(actual, v) for v in values)
    assert filters._in(actual, values) is expected


def test_in_over_a_thousand_records_and_a_hundred_ids_matches_the_ids():
    records = list(range(1, 1001))
    ids = [str(i) for i in range(901, 1001)]  # as text, as a filter's JSON may give them
    assert [r for r in records if filters._in(r, ids)] == list(range(901, 1001))
