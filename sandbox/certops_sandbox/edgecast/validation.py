"""Request validation: every failure is a 400 ``invalid_input`` with details."""

import re

from .hyperion import detail
from .vocab import (CONTACT_FIELDS, CONTACT_TYPES, COUNTRY_CODES, NOTIFICATION_TYPES, ORG_FIELDS, ORG_REQUIRED,
                    canonical)

LABEL_RE = re.compile(r"^[A-Za-z0-9_-]+$")
DOMAIN_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN_RE = re.compile(r"^(?:\*\.)?(?:%s\.)+%s$" % (DOMAIN_LABEL, DOMAIN_LABEL), re.IGNORECASE)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_LABEL = 255


class Errors(list):
    def add(self, source, description):
        self.append(detail(source, description))


def label(value, errors, source="/certificate_label"):
    if value is None or value == "":
        errors.add(source, "certificate_label is required")
        return None
    if not isinstance(value, str):
        errors.add(source, "certificate_label must be a string")
        return None
    if len(value) > MAX_LABEL:
        errors.add(source, "certificate_label is longer than %d characters" % MAX_LABEL)
        return None
    if not LABEL_RE.match(value):
        errors.add(source, "certificate_label may contain only letters, digits, '_' and '-'")
        return None
    return value


def enum(body, key, allowed, errors, required=True):
    value = body.get(key)
    if value is None:
        if required:
            errors.add("/" + key, "%s is required" % key)
        return None
    if value not in allowed:
        errors.add("/" + key, "%s must be one of %s" % (key, ", ".join(allowed)))
        return None
    return value


def boolean(body, key, errors, default=None):
    if key not in body or body[key] is None:
        return default
    if not isinstance(body[key], bool):
        errors.add("/" + key, "%s must be true or false" % key)
        return default
    return body[key]


def text(body, key, errors, default=None):
    if key not in body or body[key] is None:
        return default
    if not isinstance(body[key], str):
        errors.add("/" + key, "%s must be a string" % key)
        return default
    return body[key]


def domains(value, errors, source="/domains"):
    """A normalised list of ``{"name", "is_common_name"}`` with exactly one common name, or None."""
    if value is None:
        errors.add(source, "domains is required (at least one domain)")
        return None
    if not isinstance(value, list) or not value:
        errors.add(source, "domains must be a non-empty array")
        return None
    result, seen, common = [], set(), []
    for index, item in enumerate(value):
        where = "%s/%d" % (source, index)
        if not isinstance(item, dict):
            errors.add(where, "each domain must be an object with a name")
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name:
            errors.add(where + "/name", "name is required")
            continue
        if len(name) > 253 or not DOMAIN_RE.match(name):
            errors.add(where + "/name", "%r is not a valid domain name" % name)
            continue
        if name.lower() in seen:
            errors.add(where + "/name", "domain %r is listed more than once" % name)
            continue
        seen.add(name.lower())
        flag = item.get("is_common_name", False)
        if flag is None:
            flag = False
        if not isinstance(flag, bool):
            errors.add(where + "/is_common_name", "is_common_name must be true or false")
            continue
        if flag:
            common.append(index)
        result.append({"name": name, "is_common_name": flag})
    if len(common) > 1:
        errors.add(source, "only one domain may be the common name (is_common_name)")
        return None
    if result and not any(item["is_common_name"] for item in result):
        result[0]["is_common_name"] = True  # none flagged: the sandbox picks the first domain
    return result if len(result) == len(value) else None


def organization(org, validation_type, errors, known, source="/organization"):
    """Resolve an OrganizationDetail body (create, or PUT .../organization) by the docs' look-up rules.

    Returns ("existing", id) when ``id`` names a known organization or ``company_name`` matches one exactly,
    ("digicert", org) for ``id = 0``, ("new", org) for a new organization, or None after errors.
    ``known`` maps organization id (str) to the stored organization.
    """
    if not isinstance(org, dict):
        errors.add(source, "organization must be an object")
        return None
    org_id = org.get("id")
    if org_id is not None and (isinstance(org_id, bool) or not isinstance(org_id, int)):
        errors.add(source + "/id", "id must be an integer")
        return None
    if org_id and str(org_id) in known:
        return ("existing", org_id)
    name = org.get("company_name")
    if org_id == 0:
        if not isinstance(name, str) or not name.strip():
            errors.add(source + "/company_name", "company_name (the exact DigiCert name) is required when id is 0")
            return None
        return ("digicert", _clean_org(org, errors, source, validation_type, strict=False))
    if isinstance(name, str):
        for stored in known.values():
            if stored.get("company_name") == name:
                return ("existing", stored["id"])
    before = len(errors)
    for key in ORG_REQUIRED:
        value = org.get(key)
        if not isinstance(value, str) or not value.strip():
            errors.add("%s/%s" % (source, key), "%s is required for %s certificates" % (key, validation_type))
    country = org.get("country")
    if isinstance(country, str) and country.strip() and country.upper() not in COUNTRY_CODES:
        errors.add(source + "/country", "country must be an ISO 3166 two-letter code (see /v2.0/appendix/country-codes)")
    if isinstance(country, str) and country.upper() == "US":
        for key in ("state", "zip_code"):
            value = org.get(key)
            if not isinstance(value, str) or not value.strip():
                errors.add("%s/%s" % (source, key), "%s is required for organizations in the US" % key)
    email = org.get("contact_email")
    if isinstance(email, str) and email.strip() and not EMAIL_RE.match(email):
        errors.add(source + "/contact_email", "contact_email is not an e-mail address")
    cleaned = _clean_org(org, errors, source, validation_type, strict=True)
    if len(errors) > before:
        return None
    return ("new", cleaned)


def _clean_org(org, errors, source, validation_type, strict):
    cleaned = {}
    for key in ORG_FIELDS:
        if key in ("id", "additional_contacts"):
            continue
        value = org.get(key)
        if value is not None and not isinstance(value, str):
            errors.add("%s/%s" % (source, key), "%s must be a string" % key)
            value = None
        cleaned[key] = value
    if isinstance(cleaned.get("country"), str):
        cleaned["country"] = cleaned["country"].upper()
    contacts = org.get("additional_contacts")
    if contacts is None:
        contacts = []
    if not isinstance(contacts, list):
        errors.add(source + "/additional_contacts", "additional_contacts must be an array")
        contacts = []
    if strict and validation_type == "EV" and not contacts:
        errors.add(source + "/additional_contacts", "additional_contacts is required for EV certificates")
    cleaned_contacts = []
    for index, contact in enumerate(contacts):
        where = "%s/additional_contacts/%d" % (source, index)
        if not isinstance(contact, dict):
            errors.add(where, "each contact must be an object")
            continue
        item = {"id": contact.get("id") if isinstance(contact.get("id"), int) else 0}
        for key in CONTACT_FIELDS:
            value = contact.get(key)
            if strict and validation_type == "EV" and (not isinstance(value, str) or not value.strip()):
                errors.add("%s/%s" % (where, key), "%s is required for EV contacts" % key)
            item[key] = value if isinstance(value, str) else None
        if item["contact_type"] is not None:
            known = canonical(item["contact_type"], CONTACT_TYPES)
            if known is None:
                errors.add(where + "/contact_type", "contact_type must be one of %s" % ", ".join(CONTACT_TYPES))
            item["contact_type"] = known
        cleaned_contacts.append(item)
    cleaned["additional_contacts"] = cleaned_contacts
    return cleaned


def notifications(body, allowed_emails, errors):
    """A bare JSON array of EmailNotification (the PATCH body of the notification endpoints)."""
    if not isinstance(body, list):
        errors.add("", "the body must be a JSON array of notification settings")
        return None
    allowed = {email.lower() for email in allowed_emails}
    result, seen = [], set()
    for index, item in enumerate(body):
        where = "/%d" % index
        if not isinstance(item, dict):
            errors.add(where, "each notification setting must be an object")
            continue
        kind = item.get("notification_type")
        if kind not in NOTIFICATION_TYPES:
            errors.add(where + "/notification_type",
                       "notification_type must be one of %s" % ", ".join(NOTIFICATION_TYPES))
            continue
        if kind in seen:
            errors.add(where + "/notification_type", "%s is listed more than once" % kind)
            continue
        seen.add(kind)
        enabled = item.get("enabled")
        if not isinstance(enabled, bool):
            errors.add(where + "/enabled", "enabled is required (true or false)")
            continue
        emails = item.get("emails")
        if emails is None:
            emails = []
        if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
            errors.add(where + "/emails", "emails must be an array of strings")
            continue
        if enabled and not emails:
            errors.add(where + "/emails", "emails is required when enabled is true")
            continue
        bad = [e for e in emails if e.lower() not in allowed]
        for e in bad:
            errors.add(where + "/emails", "%s does not belong to a user of the account" % e)
        if bad:
            continue
        result.append({"notification_type": kind, "enabled": enabled, "emails": list(emails)})
    return result
