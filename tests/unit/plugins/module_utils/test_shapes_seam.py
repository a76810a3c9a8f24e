# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Property tests of what reads a body or a header while a call fails: the error-body parsers never
raise (an error that cannot be read must still be reported with its HTTP status), ``Retry-After``
of any text is a pause or nothing, and the HTTP seam turns any answer into a response or an
ApiError for every provider's conventions."""

import pytest
from hypothesis import given, strategies as st

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._edgecast import client as cps
from ansible_collections.certops.orders.plugins.module_utils._http import (
    ApiError,
    HttpClient,
    Response,
    RetryPolicy,
    default_error_parser,
    parse_retry_after,
)
from ansible_collections.certops.orders.plugins.module_utils._softlayer import client as sl
from ansible_collections.certops.orders.tests.unit.plugins.fake_seam import OneAnswerSession
from ansible_collections.certops.orders.tests.unit.plugins.json_shapes import PROPERTY, RETRY_AFTER, bodies

#: error bodies as each provider documents them
SOFTLAYER_ERROR = {"error": "Unable to find object with id of '1'.", "code": "SoftLayer_Exception_ObjectNotFound"}
CPS_ERROR = {"@type": "Error", "code": "validation", "status_code": 400, "title": "Validation failed",
             "details": [{"@type": "ErrorDetail", "source": "domains", "description": "a domain is required"}]}
OAUTH_ERROR = {"error": "invalid_client", "error_description": "client authentication failed"}
ERROR_BODIES = st.one_of(bodies(SOFTLAYER_ERROR), bodies(CPS_ERROR), bodies(OAUTH_ERROR))


def _text_or_none(value):
    return value is None or isinstance(value, str)


@PROPERTY
@given(body=ERROR_BODIES)
def test_error_parsers_read_any_body_and_never_raise(body):
    """An error parser runs while a failure is being described: raising there would replace the
    provider's failure with a traceback, so it returns ``(code, message)`` or ``(None, None)``."""
    for parser in (default_error_parser, sl.parse_error, cps.parse_error):
        code, message = parser(body)
        assert _text_or_none(code) and _text_or_none(message), parser
    inside = sl.body_error(body)
    assert inside is None or (_text_or_none(inside[0]) and _text_or_none(inside[1]))


@PROPERTY
@given(value=RETRY_AFTER)
def test_retry_after_of_any_text_is_a_pause_or_nothing(value):
    seconds = parse_retry_after(value, now=1.7e9)
    assert seconds is None or (isinstance(seconds, float) and seconds >= 0)


@pytest.mark.parametrize("value", [
    "Xyz, 65 Oct -360 94:22:3 -9999",  # before: ValueError (year out of range)
    "Mon, 65 Dec 1000000000000 43:2:16 +2400",  # before: OverflowError
    "Wed, 21 Oct 10000 07:28:00 GMT",  # before: ValueError
    "inf", "-inf", "1e999", "nan",  # before: infinity reached the message "%ds" and raised OverflowError
])
def test_retry_after_that_is_no_usable_pause_is_ignored(value):
    assert parse_retry_after(value, now=1.7e9) is None


def test_a_retry_after_of_infinity_leaves_the_backoff_in_charge():
    """Before: ``Retry-After: inf`` made the seam format infinity as an integer (OverflowError)."""
    session = OneAnswerSession(503, {"message": "busy"}, {"Retry-After": "inf"})
    pauses = []
    http = HttpClient("https://api.example.test/", session=session, retry=RetryPolicy(retries=1, backoff=1, jitter=False),
                      sleep=pauses.append, budget=Budget(60, 30))
    with pytest.raises(ApiError) as caught:
        http.get("/thing")
    assert caught.value.status == 503 and pauses == [1.0] and session.requests == 2


@pytest.mark.parametrize("details", [True, 10 ** 60, "text", {"source": "x"}, [None, 1, {"description": 5}]])
def test_cps_error_details_of_another_shape_are_left_out(details):
    """Before: details that were not a list (a number, a boolean) failed the parser with a TypeError
    while the seam was describing the failure."""
    assert cps.parse_error(dict(CPS_ERROR, details=details)) == ("validation", "Validation failed")


def test_a_total_items_header_with_other_digits_is_no_count():
    """Before: ``"\u00b2".isdigit()`` is true, and int() of it raised ValueError."""
    http = HttpClient("https://api.example.test/", session=OneAnswerSession(200, [], {"SoftLayer-Total-Items": "\u00b20"}))
    assert sl.SoftLayerApi(http).call(sl.ACCOUNT, "getObject") == ([], None)


PROVIDERS = {
    "plain": {},
    "softlayer": dict(error_parser=sl.parse_error, classify=sl.classify, body_error=sl.body_error,
                      refusal_codes=(sl.RATE_LIMIT,)),
    "edgecast": dict(error_parser=cps.parse_error),
}


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
@PROPERTY
@given(status=st.sampled_from([200, 201, 204, 400, 401, 404, 409, 429, 500, 501, 503]), body=ERROR_BODIES,
       retry_after=st.none() | RETRY_AFTER, total=st.none() | st.text(max_size=6) | st.integers().map(str))
def test_the_seam_turns_any_answer_into_a_response_or_an_api_error(provider, status, body, retry_after, total):
    headers = dict((k, v) for k, v in (("Retry-After", retry_after), ("SoftLayer-Total-Items", total)) if v is not None)
    session = OneAnswerSession(status, body, headers)
    pauses = []
    http = HttpClient("https://api.example.test/", session=session, retry=RetryPolicy(retries=1), sleep=pauses.append,
                      budget=Budget(60, 30), **PROVIDERS[provider])
    try:
        if provider == "softlayer":
            data, count = sl.SoftLayerApi(http).call(sl.ACCOUNT, "getObject")
            assert count is None or isinstance(count, int)
        else:
            assert isinstance(http.get("/thing"), Response)
    except ApiError as exc:
        assert exc.status == status and str(exc)
    assert session.requests <= 2 and all(p >= 0 for p in pauses)
