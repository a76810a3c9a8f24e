"""CPS vocabularies (mostly the Go SDK's enums) and the ``/v2.0/appendix/*`` lists."""

from .countries import COUNTRIES

# order statuses; ids 1..17 in this order (the docs confirm only Pending = 1 and the count of 17)
ORDER_STATUSES = (
    "Pending", "Issued", "Deleted", "Rejected", "Revoked", "Canceled", "AwaitingRenewal", "PendingRenewal",
    "Renewed", "PendingReissue", "AwaitingReissue", "PendingOrgUpdate", "OrgUpdated", "RenewalRejected",
    "ReissueRejected", "Expired", "AwaitingOrgUpdate",
)
# certificate request statuses
CERTIFICATE_STATUSES = ("Processing", "DomainControlValidation", "OtherValidation", "Deployment", "Active", "Deleted")
STEPS = {"Processing": 1, "DomainControlValidation": 2, "OtherValidation": 3, "Deployment": 4, "Active": 5}
# validation types, DCV methods, certificate authorities, request types
VALIDATION_TYPES = ("None", "DV", "OV", "EV")
DCV_METHODS = ("Email", "DnsCnameToken", "DnsTxtToken")
CERTIFICATE_AUTHORITIES = ("DigiCert", "LetsEncrypt")
REQUEST_TYPES = ("Basic", "Enterprise", "Custom", "AzureCustom")
PRODUCT_TYPES = ("Standard", "MultiDomain", "Wildcard")  # invented: the reference has no enum
# domain statuses
DOMAIN_STATUSES = ("ProvisioningInitiated", "AwaitingCertificateAuthority", "Active", "PendingDelete", "Delete",
                   "PendingDns", "Rejected", "TimedOut", "PendingReissue", "SecretRejected")
# validation statuses
VALIDATION_STATUSES = ("Unknown", "Pending", "Rejected", "Approved", "NA")
# invented: the real cancel-action names are unknown, so clients must not depend on these
CANCEL_ACTIONS = ("Cancel", "Revert")
# notification types
NOTIFICATION_TYPES = ("CertificateRenewal", "CertificateExpiring", "PendingValidations")
# organization contact types and fields (ORG_REQUIRED: required for OV/EV)
CONTACT_TYPES = ("EvApprover", "OrganizationContact", "TechnicalContact", "Unknown")
ORG_REQUIRED = ("city", "company_address", "company_name", "contact_email", "contact_first_name",
                "contact_last_name", "contact_phone", "country")
ORG_FIELDS = ("id", "company_name", "company_address", "company_address2", "city", "state", "zip_code", "country",
              "organizational_unit", "contact_first_name", "contact_last_name", "contact_email", "contact_phone",
              "contact_title", "additional_contacts")
ORG_DTO_FIELDS = ("id", "company_name", "company_address", "company_address2", "city", "state", "zip_code", "country")
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "title", "contact_type")
# task types (the tasks endpoints are in the spec only, not in the docs)
TASK_TYPES = ("AssociateMediaType", "DisassociateMediaType", "ProcessDomainRootChange", "RevertSslMigration",
              "ProcessDeliveryRegionChange", "SslSharedMigration")

COUNTRY_CODES = {code for _, code in COUNTRIES}


def named(values):
    """NamedEntity items with ids 1..n in enum order, keys ``name`` then ``id``."""
    return [{"name": value, "id": index} for index, value in enumerate(values, start=1)]


APPENDIX = {
    "order-statuses": ORDER_STATUSES,
    "certificate-statuses": CERTIFICATE_STATUSES,
    "validation-types": VALIDATION_TYPES,
    "dcv-types": DCV_METHODS,
    "domain-statuses": DOMAIN_STATUSES,
    "validation-statuses": VALIDATION_STATUSES,
    "cancel-actions": CANCEL_ACTIONS,
    "certificate-authorities": CERTIFICATE_AUTHORITIES,
    "product-types": PRODUCT_TYPES,
    "request-types": REQUEST_TYPES,
}


def country_items(name_filter=None):
    items = [{"country": name, "two_letter_code": code} for name, code in COUNTRIES]
    if name_filter:
        wanted = name_filter.strip().lower()
        items = [item for item in items if wanted in item["country"].lower()]
    return items


def canonical(value, allowed):
    """The allowed spelling of ``value`` compared case-insensitively, or None."""
    if not isinstance(value, str):
        return None
    for item in allowed:
        if item.lower() == value.lower():
            return item
    return None
