"""SoftLayer's error body ``{"error": <text>, "code": <exception class>}``; business-rule failures are HTTP 500."""


class SLError(Exception):
    """An API error: HTTP status, ``SoftLayer_Exception_*`` code and message."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self):
        return {"error": self.message, "code": self.code}


PUBLIC = "SoftLayer_Exception_Public"
NOT_FOUND = "SoftLayer_Exception_ObjectNotFound"
INVALID_VALUE = "SoftLayer_Exception_InvalidValue"
ORDER = "SoftLayer_Exception_Order"
BAD_REQUEST = "SoftLayer_Exception_WebService_BadRequest"
RATE_LIMIT = "SoftLayer_Exception_WebService_RateLimitExceeded"
TOKEN = "SoftLayer_Exception_Account_Authentication_AccessTokenValidation"
#: A mask that names a property the type does not have (see masks.py for the sources).
OBJECT_MASK = "SoftLayer_Exception_WebService_ObjectMask"
#: A mask the API's parser cannot read (unbalanced brackets, a stray character).
PARSER = "SoftLayer_Exception_Common_Parser"

RATE_LIMIT_TEXT = "Rate limit of 50 requests for every 1 second(s) exceeded."


def rate_limit_text(limit):
    """The rate-limit message for a limit of ``limit`` requests a second (the documented text at 50)."""
    return "Rate limit of %s requests for every 1 second(s) exceeded." % (int(limit) if float(limit).is_integer() else limit)
INTERNAL_ERROR_BODY = {"error": "Internal Error", "code": PUBLIC}


def not_found(object_id):
    """404 for an unknown id, or an id of another account (not visible to the caller), with the API's code and text."""
    return SLError(404, NOT_FOUND, "Unable to find object with id of '%s'." % object_id)


def public(message):
    """A business-rule failure: HTTP 500, ``SoftLayer_Exception_Public`` (the base exception class)."""
    return SLError(500, PUBLIC, message)


def invalid_value(message):
    return SLError(500, INVALID_VALUE, message)


def order_error(message):
    return SLError(500, ORDER, message)


def bad_request(message="Bad request"):
    return SLError(400, BAD_REQUEST, message)


def unknown_method(name):
    return SLError(500, PUBLIC, 'Function ("%s") is not a valid method for this service.' % name)
