"""Request validation: every failure is a 400 ``invalid_input`` with details."""

import re

from .hyperion import detail, pointer
from .vocab import (CONTACT_FIELDS, CONTACT_TYPES, COUNTRY_CODES, NOTIFICATION_TYPES, ORG_FIELDS, ORG_REQUIRED,
                    canonical)

# words of letters, digits, '_' and '-' separated by single spaces: the vendor's docs name only the characters,
# its own examples (Edgio/terraform-provider-edgecast examples/resources/edgecast_cps_certificate/resource.tf,
# "cdn example tf dv11") show the spaces the API took
LABEL_RE = re.compile(r"^[A-Za-z0-9_-]+(?: [A-Za-z0-9_-]+)*$")
DOMAIN_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN_RE = re.compile(r"^(?:\*\.)?(?:%s\.)+%s$" % (DOMAIN_LABEL, DOMAIN_LABEL), re.IGNORECASE)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_LABEL = 255


class Errors(list):
    """ErrorDetails; each ``source`` is a JSON Pointer built with :func:`pointer` ("" for the whole body)."""

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
        errors.add(source, "certificate_label may contain only letters, digits, '_' and '-', with single spaces between "
                           "words")
        return None
    return value


def enum(body, key, allowed, errors, required=True):
    value = body.get(key)
    if value is None:
        if required:
            errors.add(pointer(key), "%s is required" % key)
        return None
    if value not in allowed:
        errors.add(pointer(key), "%s must be one of %s" % (key, ", ".join(allowed)))
        return None
    return value


def boolean(body, key, errors, default=None):
    if key not in body or body[key] is None:
        return default
    if not isinstance(body[key], bool):
        errors.add(pointer(key), "%s must be true or false" % key)
        return default
    return body[key]


def text(body, key, errors, default=None):
    if key not in body or body[key] is None:
        return default
    if not isinstance(body[key], str):
        errors.add(pointer(key), "%s must be a string" % key)
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
        where = pointer(index, base=source)
        if not isinstance(item, dict):
            errors.add(where, "each domain must be an object with a name")
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name:
            errors.add(pointer("name", base=where), "name is required")
            continue
        if len(name) > 253 or not DOMAIN_RE.match(name):
            errors.add(pointer("name", base=where), "%r is not a valid domain name" % name)
            continue
        if name.lower() in seen:
            errors.add(pointer("name", base=where), "domain %r is listed more than once" % name)
            continue
        seen.add(name.lower())
        flag = item.get("is_common_name", False)
        if flag is None:
            flag = False
        if not isinstance(flag, bool):
            errors.add(pointer("is_common_name", base=where), "is_common_name must be true or false")
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
        errors.add(pointer("id", base=source), "id must be an integer")
        return None
    if org_id and str(org_id) in known:
        return ("existing", org_id)
    name = org.get("company_name")
    if org_id == 0:
        if not isinstance(name, str) or not name.strip():
            errors.add(pointer("company_name", base=source), "company_name (the exact DigiCert name) is required when id is 0")
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
            errors.add(pointer(key, base=source), "%s is required for %s certificates" % (key, validation_type))
    country = org.get("country")
    if isinstance(country, str) and country.strip() and country.upper() not in COUNTRY_CODES:
        errors.add(pointer("country", base=source), "country must be an ISO 3166 two-letter code (see /v2.0/appendix/country-codes)")
    if isinstance(country, str) and country.upper() == "US":
        for key in ("state", "zip_code"):
            value = org.get(key)
            if not isinstance(value, str) or not value.strip():
                errors.add(pointer(key, base=source), "%s is required for organizations in the US" % key)
    email = org.get("contact_email")
    if isinstance(email, str) and email.strip() and not EMAIL_RE.match(email):
        errors.add(pointer("contact_email", base=source), "contact_email is not an e-mail address")
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
            errors.add(pointer(key, base=source), "%s must be a string" % key)
            value = None
        cleaned[key] = value
    if isinstance(cleaned.get("country"), str):
        cleaned["country"] = cleaned["country"].upper()
    contacts = org.get("additional_contacts")
    if contacts is None:
        contacts = []
    if not isinstance(contacts, list):
        errors.add(pointer("additional_contacts", base=source), "additional_contacts must be an array")
        contacts = []
    if strict and validation_type == "EV" and not contacts:
        errors.add(pointer("additional_contacts", base=source), "additional_contacts is required for EV certificates")
    cleaned_contacts = []
    for index, contact in enumerate(contacts):
        where = pointer("additional_contacts", index, base=source)
        if not isinstance(contact, dict):
            errors.add(where, "each contact must be an object")
            continue
        item = {"id": contact.get("id") if isinstance(contact.get("id"), int) else 0}
        for key in CONTACT_FIELDS:
            value = contact.get(key)
            if strict and validation_type == "EV" and (not isinstance(value, str) or not value.strip()):
                errors.add(pointer(key, base=where), "%s is required for EV contacts" % key)
            item[key] = value if isinstance(value, str) else None
        if item["contact_type"] is not None:
            known = canonical(item["contact_type"], CONTACT_TYPES)
            if known is None:
                errors.add(pointer("contact_type", base=where), "contact_type must be one of %s" % ", ".join(CONTACT_TYPES))
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
        where = pointer(index)
        if not isinstance(item, dict):
            errors.add(where, "each notification setting must be an object")
            continue
        kind = item.get("notification_type")
        if kind not in NOTIFICATION_TYPES:
            errors.add(pointer("notification_type", base=where),
                       "notification_type must be one of %s" % ", ".join(NOTIFICATION_TYPES))
            continue
        if kind in seen:
            errors.add(pointer("notification_type", base=where), "%s is listed more than once" % kind)
            continue
        seen.add(kind)
        # The Go SDK tags ``enabled`` with omitempty (Edgio/ec-sdk-go
        # edgecast/cps/models/email_notification.go), so a setting it turns off arrives without the key:
        # a missing (or null) ``enabled`` is false, as the SDK meant it. ``emails`` has no omitempty
        # there, so a setting without addresses arrives as ``"emails": null``.
        enabled = item.get("enabled")
        if enabled is None:
            enabled = False
        if not isinstance(enabled, bool):
            errors.add(pointer("enabled", base=where), "enabled must be true or false")
            continue
        emails = item.get("emails")
        if emails is None:
            emails = []
        if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
            errors.add(pointer("emails", base=where), "emails must be an array of strings")
            continue
        if enabled and not emails:
            errors.add(pointer("emails", base=where), "emails is required when enabled is true")
            continue
        bad = [e for e in emails if e.lower() not in allowed]
        for e in bad:
            errors.add(pointer("emails", base=where), "%s does not belong to a user of the account" % e)
        if bad:
            continue
        result.append({"notification_type": kind, "enabled": enabled, "emails": list(emails)})
    return result
