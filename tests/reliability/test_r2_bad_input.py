"""R2: a bad-input catalogue for all four modules.

Every case is one task of a single playbook (rendered from ``CASES`` at run time, ``ignore_errors`` and
``register``) against a sandbox, a TLS sandbox without its CA, a closed port and a fake provider that
answers HTML or empty error pages. Each case must end in a clean failure (``failed``, not ``changed``, no
traceback, no module crash) whose ``msg`` names the cause and what is valid, and must change nothing at
the provider: the orders of both providers are the same before and after, no write call was accepted,
and no order carries a case's common name or label.
"""

import json
import os
import re

import pytest
import yaml

from certops_sandbox.harness import Playbooks, SandboxProcess, cleanup, workdir
from http_fakes import FakeProvider, closed_port

SLI = "certops.orders.softlayer_cert_order_status_info"
SLO = "certops.orders.softlayer_cert_order"
ECI = "certops.orders.edgecast_cert_order_status_info"
ECO = "certops.orders.edgecast_cert_order"

SL_CONN = {"endpoint_url": "{{ sandbox_softlayer_endpoint_url }}", "username": "{{ sandbox_softlayer_username }}",
           "api_key": "{{ sandbox_softlayer_api_key }}", "retries": 0}
EC_CONN = {"client_id": "{{ sandbox_edgecast_client_id }}", "client_secret": "{{ sandbox_edgecast_client_secret }}",
           "api_url": "{{ sandbox_edgecast_api_url }}", "ids_url": "{{ sandbox_edgecast_ids_url }}", "retries": 0}
SL_STATUSES = ["Pending CA Approval", "Approved", "Complete", "Canceled"]
ORG = {"name": "Example Corp", "phone": "+1 555 0100",
       "address": {"line1": "1 Main St", "city": "Dallas", "state": "TX", "postal_code": "75001", "country_code": "US"}}
TECH = {"first_name": "Ada", "last_name": "Lovelace", "title": "Operations", "email": "ops@example.com",
        "phone": "+1 555 0101"}
EC_ORG = {"company_name": "Example Corp", "company_address": "1 Main St", "city": "Dallas", "state": "TX",
          "zip_code": "75001", "country": "US", "contact_first_name": "Ada", "contact_last_name": "Lovelace",
          "contact_email": "ada@example.com", "contact_phone": "+1 555 0101", "contact_title": "CTO"}
FAKE = "{{ r2_fake_url }}"
CLOSED = "http://127.0.0.1:{{ r2_closed_port }}"
#: SoftLayer and Edgecast calls that change something at the provider
SL_WRITES = re.compile(r"/(placeOrder|cancelSslOrder|resendEmail)(\.json)?$")
EC_WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
#: what gives away a module crash or a traceback in a registered result
CRASH_MARKERS = ("Traceback (most recent call last)", "MODULE FAILURE", "Module failed:", "Task failed:")


class Case:
    """One bad input: ``expect`` are substrings of ``msg`` (any case) naming the cause and what is valid; a tuple
    in ``expect`` is satisfied by any one of its strings."""

    def __init__(self, cid, module, args, expect, http_status=None, env=None, fault=None, csr=None, watch=None):
        self.id = cid
        self.module = module
        self.args = args
        self.expect = expect
        self.http_status = http_status
        self.env = env
        self.fault = fault
        #: common name of a sandbox CSR to put in ``args["csr"]`` (``csr`` placeholders are filled in)
        self.csr = csr
        #: regular expression of "METHOD path" of requests this case must not send (checked in a log window)
        self.watch = watch

    @property
    def name(self):
        """The unique name the case orders under (common name or label), for the per-case provider check."""
        return self.id.replace("_", "-")

    @property
    def common_name(self):
        return "r2-%s.example.com" % self.name


def sl(**args):
    """SoftLayer args over the sandbox connection; a value None drops the key."""
    merged = dict(SL_CONN, **args)
    return {k: v for k, v in merged.items() if v is not None}


def ec(**args):
    merged = dict(EC_CONN, **args)
    return {k: v for k, v in merged.items() if v is not None}


def sl_place(cid, **args):
    """Everything placing a SoftLayer order needs, for the case's own common name and CSR."""
    base = {"common_name": "r2-%s.example.com" % cid.replace("_", "-"), "csr": "{{ r2_csrs.%s }}" % cid,
            "item_key_name": "SSL_CERTIFICATE_RAPIDSSL_1_YEAR", "server_type": "nginx",
            "approver_email": "admin@example.com", "organization": ORG, "technical_contact": TECH}
    base.update(args)
    return sl(**base)


def ec_create(cid, **args):
    base = {"label": "r2-%s" % cid.replace("_", "-"), "validation_type": "DV", "dcv_method": "DnsTxtToken",
            "domains": [{"name": "r2-%s.example.com" % cid.replace("_", "-"), "is_common_name": True}]}
    base.update(args)
    return ec(**base)


PRIVATE_KEY = ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
               "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n-----END PRIVATE KEY-----\n")
BAD_BASE64_CSR = "-----BEGIN CERTIFICATE REQUEST-----\nMIIC!!notbase64!!\n-----END CERTIFICATE REQUEST-----"


def _cases():
    c = []
    # ---- softlayer_cert_order_status_info --------------------------------------------------------
    c += [
        Case("sli_order_id_not_int", SLI, sl(order_id="twelve"), ["order_id", "int", "twelve"]),
        Case("sli_order_ids_element_not_int", SLI, sl(order_ids=[1, "two"]), ["order_ids", "int", "two"]),
        Case("sli_unknown_status_name", SLI, sl(status=["Shipped"]),
             ["status", "unknown status name", "Shipped", "valid names are"] + SL_STATUSES),
        Case("sli_unknown_wait_for", SLI, sl(common_name="r2-nothing.example.com", wait_for=["Issued"]),
             ["wait_for", "unknown status name", "Issued", "valid names are"] + SL_STATUSES),
        Case("sli_fail_on_without_wait_for", SLI, sl(fail_on=["Canceled"]), ["fail_on", "wait_for"]),
        Case("sli_order_id_and_common_name", SLI, sl(order_id=1, common_name="www.example.com"),
             ["mutually exclusive", "order_id", "common_name"]),
        Case("sli_unknown_option", SLI, sl(order_id=1, order_number=5),
             ["unsupported parameter", "order_number", "order_id", "order_ids", "common_name"]),
        Case("sli_unknown_order_id", SLI, sl(order_id=99999999),
             ["HTTP 404", "Unable to find object with id of '99999999'"], http_status=404),
        Case("sli_endpoint_not_http", SLI, sl(endpoint_url="ftp://127.0.0.1/rest/v3.1/"),
             ["endpoint_url", "ftp://127.0.0.1/rest/v3.1/", "http://", "https://"]),
        Case("sli_endpoint_xmlrpc", SLI, sl(endpoint_url="{{ sandbox_url }}/xmlrpc/v3.1/"),
             ["endpoint_url", "XML-RPC", "REST", "/rest/v3.1/"]),
        Case("sli_unreachable_endpoint", SLI, sl(endpoint_url=CLOSED + "/rest/v3.1/"),
             ["connection", "refused", "127.0.0.1:{{ r2_closed_port }}"]),
        Case("sli_tls_unknown_ca", SLI, sl(endpoint_url="{{ r2_tls_softlayer_endpoint_url }}"),
             ["TLS", "verif", "ca_path", "validate_certs"]),
        Case("sli_wrong_api_key", SLI, sl(api_key="not-the-key"), ["HTTP 401", "Invalid API token"], http_status=401),
        Case("sli_missing_credentials", SLI, sl(username=None, api_key=None, order_id=1),
             ["missing username and api_key", "SL_USERNAME", "SL_API_KEY", "~/.softlayer"],
             env={"HOME": "/nonexistent"}),
        Case("sli_html_500", SLI, sl(endpoint_url=FAKE + "/html500/", retries=1),
             ["HTTP 500", "non-JSON", "Internal Server Error"], http_status=500),
        Case("sli_empty_404", SLI, sl(endpoint_url=FAKE + "/empty404/"), ["HTTP 404", "empty answer"],
             http_status=404),
        Case("sli_malformed_json_200", SLI, sl(order_ids=[1, 2]), ["not valid JSON", "getSslRequestStatuses"],
             fault={"kind": "malformed_json", "provider": "softlayer", "path": "getSslRequestStatuses"}),
    ]
    # ---- softlayer_cert_order ----------------------------------------------------------------------
    c += [
        Case("slo_csr_not_pem", SLO, sl_place("slo_csr_not_pem", csr="/etc/pki/tls/www.example.com.csr"),
             ["csr is not a PEM certificate signing request", "BEGIN CERTIFICATE REQUEST", "lookup('file'"]),
        Case("slo_csr_bad_base64", SLO, sl_place("slo_csr_bad_base64", csr=BAD_BASE64_CSR),
             ["csr is not a PEM certificate signing request"]),
        Case("slo_csr_with_private_key", SLO,
             sl_place("slo_csr_with_private_key", csr="{{ r2_csrs.slo_csr_with_private_key }}\n" + PRIVATE_KEY),
             ["private key", ("csr", "certificate signing request")], csr="r2-slo-csr-with-private-key.example.com",
             watch=r"^POST .*/SoftLayer_Product_Order/"),
        Case("slo_common_name_not_fqdn", SLO, sl_place("slo_common_name_not_fqdn", common_name="my web server"),
             ["common_name", "my web server", "fully qualified domain name", "www.example.com"]),
        Case("slo_common_name_not_csr_cn", SLO, sl_place("slo_common_name_not_csr_cn"),
             ["common_name", "csr", "r2-csr-of-another-name.example.com"], csr="r2-csr-of-another-name.example.com",
             watch=r"^POST .*/SoftLayer_Product_Order/placeOrder"),
        Case("slo_unknown_item", SLO, sl_place("slo_unknown_item", item_key_name="SSL_CERTIFICATE_FREE_FOREVER"),
             ["item_key_name", "SSL_CERTIFICATE_FREE_FOREVER", "valid names are", "SSL_CERTIFICATE_RAPIDSSL_1_YEAR"]),
        Case("slo_unknown_server_type", SLO, sl_place("slo_unknown_server_type", server_type="lighttpd"),
             ["server_type", "lighttpd", "valid names are", "apache2", "nginx"]),
        Case("slo_missing_place_details", SLO,
             sl_place("slo_missing_place_details", server_type=None, approver_email=None, organization=None,
                      technical_contact=None),
             ["placing one needs", "server_type", "approver_email", "organization", "technical_contact"]),
        Case("slo_approver_not_email", SLO, sl_place("slo_approver_not_email", approver_email="hostmaster"),
             ["approver_email", "hostmaster", "not an e-mail address", "admin@example.com"]),
        Case("slo_approver_wrong_mailbox", SLO, sl_place("slo_approver_wrong_mailbox", approver_email="ceo@example.com"),
             ["approver email", "admin", "hostmaster", "webmaster"]),
        Case("slo_organization_without_phone", SLO,
             sl_place("slo_organization_without_phone", organization={"name": "Example Corp", "address": ORG["address"]}),
             ["missing required arguments", "phone", "organization"]),
        Case("slo_state_unknown", SLO, sl(order_id="{{ r2_seed_sl_id }}", state="revoked"),
             ["state", "revoked", "present", "canceled"]),
        Case("slo_common_name_without_csr", SLO, sl(common_name="www.example.com"),
             ["required together", "common_name", "csr"]),
        Case("slo_order_id_and_csr", SLO, sl(order_id="{{ r2_seed_sl_id }}", csr="{{ r2_csrs.slo_order_id_and_csr }}"),
             ["mutually exclusive", "order_id", "csr"]),
        Case("slo_cancel_with_resend", SLO, sl(order_id="{{ r2_seed_sl_id }}", state="canceled", resend_email="approver"),
             ["resend_email", "state=present"]),
        Case("slo_cancel_complete_order", SLO, sl(order_id="{{ r2_seed_sl_id }}", state="canceled"),
             ["{{ r2_seed_sl_id }}", "Complete", "only orders in Pending CA Approval can be canceled"]),
        Case("slo_resend_approver_complete", SLO, sl(order_id="{{ r2_seed_sl_id }}", resend_email="approver"),
             ["resend_email=approver", "Pending CA Approval", "Complete"]),
        Case("slo_resend_fulfillment_new", SLO, sl_place("slo_resend_fulfillment_new", resend_email="fulfillment"),
             ["resend_email=fulfillment", "Approved or Complete", "nothing was ordered"]),
        Case("slo_unknown_wait_for", SLO, sl_place("slo_unknown_wait_for", wait_for=["Issued"]),
             ["wait_for", "unknown status name", "Issued", "valid names are"] + SL_STATUSES,
             watch=r"^POST .*/SoftLayer_Product_Order/"),
        Case("slo_wrong_username", SLO, sl_place("slo_wrong_username", username="SL000000"),
             ["HTTP 401", "Invalid API token"], http_status=401),
        Case("slo_html_502", SLO, sl_place("slo_html_502", endpoint_url=FAKE + "/html502/"),
             ["HTTP 502", "non-JSON", "Bad Gateway"], http_status=502),
        Case("slo_html_404_wrong_path", SLO, sl_place("slo_html_404_wrong_path", endpoint_url="{{ sandbox_url }}/rest/v9/"),
             ["HTTP 404", "non-JSON", "/rest/v9/"], http_status=404),
    ]
    # ---- edgecast_cert_order_status_info -----------------------------------------------------------
    c += [
        Case("eci_certificate_id_not_int", ECI, ec(certificate_id="11605a"), ["certificate_id", "int", "11605a"]),
        Case("eci_certificate_id_negative", ECI, ec(certificate_id=-5), ["certificate ids", "positive", "-5"]),
        Case("eci_unknown_wait_for", ECI, ec(label="r2-nothing", wait_for=["Done"]),
             ["wait_for", "unknown status name", "Done", "valid names are", "Active", "DomainControlValidation", "Issued"]),
        Case("eci_unknown_fail_on", ECI, ec(label="r2-nothing", wait_for=["Active"], fail_on=["Failed"]),
             ["fail_on", "unknown status name", "Failed", "valid names are", "Canceled", "Rejected"]),
        Case("eci_label_and_domain", ECI, ec(label="a", domain="b.example.com"), ["mutually exclusive", "label", "domain"]),
        Case("eci_empty_label", ECI, ec(label="  "), ["label", "is not a CPS certificate label"]),
        Case("eci_empty_client_secret", ECI, ec(client_secret=""), ["client_secret", "must not be empty"]),
        Case("eci_wait_timeout_negative", ECI, ec(label="r2-nothing", wait_for=["Active"], wait_timeout=-1),
             ["wait_timeout", "between 0 and", "got -1"]),
        Case("eci_unknown_certificate_id", ECI, ec(certificate_id=99999999), ["HTTP 404", "99999999"], http_status=404),
        Case("eci_wrong_client_secret", ECI, ec(client_secret="not-the-secret"),
             ["could not get an access token", "client_id", "HTTP 400", "invalid_client"], http_status=400),
        Case("eci_invalid_scope", ECI, ec(scope="sec.cps.everything"),
             ["access token", "scope", "sec.cps.everything", "invalid_scope"], http_status=400),
        Case("eci_forbidden_client", ECI, ec(client_id="{{ sandbox_edgecast_forbidden_client_id }}",
                                             client_secret="{{ sandbox_edgecast_forbidden_client_secret }}",
                                             scope="ec.rules"),
             ["HTTP 403", "forbidden", "sec.cps.certificates"], http_status=403),
        Case("eci_ids_url_without_scheme", ECI, ec(ids_url="id.vdms.io"), ["ids_url", "id.vdms.io", "http://", "https://"]),
        Case("eci_api_url_without_scheme", ECI, ec(api_url="api.vdms.io", label="x"),
             ["api_url", "api.vdms.io", "http://", "https://"]),
        Case("eci_unreachable_ids_url", ECI, ec(ids_url=CLOSED), ["access token", "connection", "refused"]),
        Case("eci_tls_unknown_ca", ECI, ec(api_url="{{ r2_tls_edgecast_api_url }}", ids_url="{{ r2_tls_edgecast_ids_url }}"),
             ["TLS", "verif", "ca_path", "validate_certs"]),
        Case("eci_html_500_cps", ECI, ec(api_url=FAKE + "/html500"), ["HTTP 500", "non-JSON", "Internal Server Error"],
             http_status=500),
        Case("eci_empty_404_token", ECI, ec(ids_url=FAKE + "/empty404"), ["access token", "HTTP 404", "empty answer"],
             http_status=404),
        Case("eci_html_403_token", ECI, ec(ids_url=FAKE + "/html403"), ["access token", "HTTP 403", "non-JSON", "Access Denied"],
             http_status=403),
        Case("eci_html_404_wrong_api_path", ECI, ec(api_url="{{ sandbox_url }}/_sandbox"), ["HTTP 404", "non-JSON", "/_sandbox/sec/cps"],
             http_status=404),
    ]
    # ---- edgecast_cert_order -----------------------------------------------------------------------
    c += [
        Case("eco_label_bad_characters", ECO, ec_create("eco_label_bad_characters", label="my label!"),
             ["label", "my label!", "letters, digits, '_' and '-', with single spaces"]),
        Case("eco_label_missing", ECO, ec(validation_type="DV"), ["missing required arguments", "label"]),
        Case("eco_empty_domains", ECO, ec_create("eco_empty_domains", domains=[]), ["domains", "at least one domain"]),
        Case("eco_domain_blank_name", ECO, ec_create("eco_domain_blank_name", domains=[{"name": "  "}]),
             ["domains", "needs a name"]),
        # ansible-core's argument validator fails this before the module runs, and its first error (the one
        # AnsibleModule reports) names the expected type, not the option: a known ansible-core limitation
        Case("eco_domains_not_dicts", ECO, ec_create("eco_domains_not_dicts", domains="cdn.example.com"),
             ["dictionary requested"]),
        Case("eco_duplicate_domains", ECO, ec_create("eco_duplicate_domains", domains=[{"name": "a.example.com"},
                                                                                       {"name": "A.example.com"}]),
             ["domains", "a.example.com", "more than once"]),
        Case("eco_two_common_names", ECO, ec_create("eco_two_common_names", domains=[
            {"name": "a.example.com", "is_common_name": True}, {"name": "b.example.com", "is_common_name": True}]),
            ["only one of domains", "is_common_name"]),
        Case("eco_ov_without_organization", ECO, ec_create("eco_ov_without_organization", validation_type="OV",
                                                           dcv_method="Email"),
             ["validation_type=OV", "needs organization"]),
        Case("eco_validation_type_unknown", ECO, ec_create("eco_validation_type_unknown", validation_type="XV"),
             ["validation_type", "XV", "DV, OV, EV"]),
        Case("eco_action_with_absent", ECO, ec(label="{{ r2_seed_ec_label }}", state="absent", action="renew"),
             ["action=renew", "state=present"]),
        Case("eco_action_on_missing_label", ECO, ec(label="r2-eco-action-on-missing-label", action="dcv_check"),
             ["action=dcv_check", "existing certificate", "r2-eco-action-on-missing-label"]),
        Case("eco_missing_create_fields", ECO, ec(label="r2-eco-missing-create-fields"),
             ["creating one needs", "validation_type", "dcv_method", "domains"]),
        Case("eco_notification_without_emails", ECO, ec_create("eco_notification_without_emails", notifications=[
            {"notification_type": "CertificateExpiring", "enabled": True}]),
            ["notifications", "CertificateExpiring", "at least one address in emails"]),
        Case("eco_unknown_wait_for", ECO, ec_create("eco_unknown_wait_for", wait_for=["Done"]),
             ["wait_for", "unknown status name", "Done", "valid names are", "Active", "Issued"],
             watch=r"^(POST|PUT|PATCH|DELETE) .*/sec/cps/"),
        Case("eco_cancel_issued", ECO, ec(label="{{ r2_seed_ec_label }}", state="canceled"),
             ["is issued", "Active", "state=absent"]),
        Case("eco_change_certificate_authority", ECO, ec(label="{{ r2_seed_ec_label }}", certificate_authority="LetsEncrypt"),
             ["certificate_authority cannot change", "DigiCert", "LetsEncrypt"]),
        Case("eco_change_validation_type", ECO, ec(label="{{ r2_seed_ec_label }}", validation_type="OV", organization=EC_ORG),
             ["validation_type cannot change", "DV", "OV"]),
        Case("eco_invalid_domain_name", ECO, ec_create("eco_invalid_domain_name", domains=[{"name": "bad_name!.example"}]),
             ["HTTP 400", "invalid_input", "bad_name!.example", "not a valid domain name"], http_status=400),
        Case("eco_wrong_client_id", ECO, ec_create("eco_wrong_client_id", client_id="nobody"),
             ["could not get an access token", "nobody", "HTTP 400", "invalid_client"], http_status=400),
        Case("eco_unreachable_api_url", ECO, ec_create("eco_unreachable_api_url", api_url=CLOSED),
             ["connection", "refused"]),
        Case("eco_html_502_cps", ECO, ec_create("eco_html_502_cps", api_url=FAKE + "/html502"),
             ["HTTP 502", "non-JSON", "Bad Gateway"], http_status=502),
        Case("eco_empty_503_cps", ECO, ec_create("eco_empty_503_cps", api_url=FAKE + "/empty503"),
             ["HTTP 503", "empty answer"], http_status=503),
    ]
    return c


CASES = _cases()


def _task(case):
    task = {"name": "case %s" % case.id, case.module: case.args, "register": "r2_case_%s" % case.id,
            "ignore_errors": True}
    if case.env:
        task["environment"] = case.env
    return task


def _uri(name, path, register=None, method="GET", body=None):
    task = {"name": name, "ansible.builtin.uri": {"url": "{{ sandbox_control_url }}" + path, "method": method,
                                                  "status_code": [200, 201]}}
    if body is not None:
        task["ansible.builtin.uri"].update(body_format="json", body=body)
    if register:
        task["register"] = register
    return task


def render_playbook(results_path):
    """The cases as one play: seed, snapshot, cases (with their faults and log windows), snapshot, dump."""
    tasks = [
        {"name": "Seed a SoftLayer order for the cases that act on an existing one",
         SLO: sl_place("seed", common_name="r2-seed.example.com", retries=4), "register": "r2_seed_sl"},
        {"name": "Seed an Edgecast certificate for the cases that act on an existing one",
         ECO: ec_create("seed", label="r2-seed", retries=4), "register": "r2_seed_ec"},
        {"name": "Keep the seeds", "ansible.builtin.set_fact": {
            "r2_seed_sl_id": "{{ r2_seed_sl.order.id }}", "r2_seed_ec_label": "{{ r2_seed_ec.certificate.label }}"}},
        _uri("Hold the SoftLayer seed in Complete", "/orders/softlayer/{{ r2_seed_sl_id }}/status", method="POST",
             body={"status": "Complete"}),
        _uri("Hold the Edgecast seed in Active", "/orders/edgecast/{{ r2_seed_ec.certificate.id }}/status",
             method="POST", body={"status": "Active"}),
        _uri("SoftLayer orders before", "/orders/softlayer", "r2_before_sl"),
        _uri("Edgecast orders before", "/orders/edgecast", "r2_before_ec"),
        _uri("Request log position before", "/stats", "r2_log_before"),
    ]
    for case in CASES:
        if case.fault:
            tasks.append(_uri("fault for %s" % case.id, "/faults", method="POST", body=case.fault))
        if case.watch:
            tasks.append(_uri("log position before %s" % case.id, "/stats", "r2_pre_%s" % case.id))
        tasks.append(_task(case))
        if case.watch:
            tasks.append(_uri("requests of %s" % case.id, "/requests?since={{ r2_pre_%s.json.last_seq }}" % case.id,
                              "r2_win_%s" % case.id))
        if case.fault:
            tasks.append(_uri("clear faults after %s" % case.id, "/faults", method="DELETE"))
    tasks += [
        _uri("SoftLayer orders after", "/orders/softlayer", "r2_after_sl"),
        _uri("Edgecast orders after", "/orders/edgecast", "r2_after_ec"),
        _uri("Requests of the cases", "/requests?since={{ r2_log_before.json.last_seq }}", "r2_log_after"),
        {"name": "Dump the results", "ansible.builtin.copy": {"dest": results_path, "mode": "0600", "content": (
            "{{ {'cases': dict(r2_case_ids | zip(query('ansible.builtin.vars', *r2_case_vars))),"
            " 'windows': dict(r2_watch_ids | zip(query('ansible.builtin.vars', *r2_watch_vars)"
            " | map(attribute='json'))),"
            " 'seed': {'softlayer': r2_seed_sl.order, 'edgecast': r2_seed_ec.certificate},"
            " 'before': {'softlayer': r2_before_sl.json, 'edgecast': r2_before_ec.json},"
            " 'after': {'softlayer': r2_after_sl.json, 'edgecast': r2_after_ec.json},"
            " 'requests': r2_log_after.json.requests} | to_json }}")}},
    ]
    play = [{"name": "R2 bad-input catalogue", "hosts": "localhost", "gather_facts": False,
             "module_defaults": {"ansible.builtin.uri": {"ca_path": "{{ sandbox_ca_path | default(omit, true) }}"}},
             "tasks": tasks}]
    return yaml.safe_dump(play, sort_keys=False, width=1000)


def _stable(orders):
    """Orders without what moves with the clock alone (Edgecast's seconds to the next event)."""
    result = []
    for order in orders:
        order = dict(order)
        if isinstance(order.get("next_event"), dict):
            order["next_event"] = {k: v for k, v in order["next_event"].items() if k != "in_seconds"}
        result.append(order)
    return result


@pytest.fixture(scope="module")
def r2_run(collections_path, tmp_path_factory):
    """Run every case in one playbook; returns the dumped results and the run's output."""
    tmp = str(tmp_path_factory.mktemp("r2"))
    boxes = [SandboxProcess(workdir("certops-reliability-r2-")), SandboxProcess(workdir("certops-reliability-r2tls-"), tls=True)]
    fake = FakeProvider().start()
    try:
        box, tls_box = [b.start() for b in boxes]
        csrs = {}
        for case in CASES + [Case("seed", SLO, {}, [], csr="r2-seed.example.com")]:
            if case.module == SLO:
                csrs[case.id] = box.control("POST", "/csr", {"common_name": case.csr or case.common_name})["csr"]
        results_path = os.path.join(tmp, "r2-results.json")
        playbook = os.path.join(tmp, "r2_bad_input.yml")
        with open(playbook, "w", encoding="utf-8") as handle:
            handle.write(render_playbook(results_path))
        watched = [c.id for c in CASES if c.watch]
        extra = {
            "r2_case_ids": [c.id for c in CASES], "r2_case_vars": ["r2_case_%s" % c.id for c in CASES],
            "r2_watch_ids": watched, "r2_watch_vars": ["r2_win_%s" % i for i in watched],
            "r2_csrs": csrs, "r2_fake_url": fake.url, "r2_closed_port": closed_port(),
            "r2_tls_softlayer_endpoint_url": tls_box.vars["sandbox_softlayer_endpoint_url"],
            "r2_tls_edgecast_api_url": tls_box.vars["sandbox_edgecast_api_url"],
            "r2_tls_edgecast_ids_url": tls_box.vars["sandbox_edgecast_ids_url"],
        }
        with pytest.MonkeyPatch.context() as mp:
            for name in ("SL_USERNAME", "SL_API_KEY", "SL_ENDPOINT_URL", "IAAS_CLASSIC_USERNAME", "IAAS_CLASSIC_API_KEY",
                         "IAAS_CLASSIC_ENDPOINT_URL", "SOFTLAYER_USERNAME", "SOFTLAYER_API_KEY", "SOFTLAYER_ENDPOINT_URL",
                         "EDGECAST_CLIENT_ID", "EDGECAST_CLIENT_SECRET", "EDGECAST_API_URL", "EDGECAST_IDS_URL",
                         "HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
                mp.delenv(name, raising=False)
            proc = Playbooks(collections_path, tmp, box).run(playbook, extra_vars=extra, timeout=600)
        output = proc.stdout + proc.stderr
        with open(os.path.join(tmp, "r2-output.txt"), "w", encoding="utf-8") as handle:
            handle.write(output)
        assert proc.returncode == 0 and os.path.exists(results_path), "playbook failed (rc %s):\n%s" % (
            proc.returncode, output[-6000:])
        with open(results_path, encoding="utf-8") as handle:
            data = json.load(handle)
        data["output"] = output
        data["tls_requests"] = tls_box.control("GET", "/requests")["requests"]
        data["fake_routes"] = sorted({r["route"] for r in fake.requests})
        data["extra"] = extra
        yield data
    finally:
        fake.stop()
        for b in boxes:
            b.stop()
            cleanup(b.workdir)


def _render(text, data):
    """Fill in the few playbook variables an expectation may name."""
    return (text.replace("{{ r2_seed_sl_id }}", str(data["seed"]["softlayer"]["id"]))
            .replace("{{ r2_closed_port }}", str(data["extra"]["r2_closed_port"])))


def test_catalogue_size():
    """At least 40 cases, spread over all four modules, with unique ids."""
    per_module = {m: sum(1 for c in CASES if c.module == m) for m in (SLI, SLO, ECI, ECO)}
    assert len(CASES) >= 40 and min(per_module.values()) >= 8, per_module
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_fails_cleanly(r2_run, case):
    """The case failed, changed nothing, did not crash, and its message names the cause and what is valid."""
    result = r2_run["cases"][case.id]
    shown = json.dumps(result, indent=1)[:3000]
    assert result.get("failed") is True, "the task did not fail:\n%s" % shown
    assert result.get("changed") is False, "the task reports a change:\n%s" % shown
    msg = result.get("msg")
    assert isinstance(msg, str) and msg.strip(), "no message:\n%s" % shown
    for marker in CRASH_MARKERS:
        assert marker not in json.dumps(result), "crash marker %r in the result:\n%s" % (marker, shown)
    for key in ("module_stderr", "module_stdout"):
        assert key not in result, "%s in the result (the module crashed):\n%s" % (key, shown)
    assert result.get("exception") in (None, "(traceback unavailable)"), shown
    missing = [w for w in case.expect
               if not any(_render(alt, r2_run).lower() in msg.lower() for alt in (w if isinstance(w, tuple) else (w,)))]
    assert not missing, "msg lacks %s:\n%s" % (missing, msg)
    if case.http_status is not None:
        assert result.get("http_status") == case.http_status, shown


@pytest.mark.parametrize("case", [c for c in CASES if c.module in (SLO, ECO)], ids=lambda c: c.id)
def test_case_ordered_nothing(r2_run, case):
    """No order or certificate carries the case's own common name or label."""
    names = {case.common_name, case.csr}
    mine = [o for o in r2_run["after"]["softlayer"] if o.get("commonName") in names]
    mine += [o for o in r2_run["after"]["edgecast"] if o.get("certificate_label", "").lower() == "r2-%s" % case.name]
    mine += [o for o in r2_run["after"]["edgecast"] if any(d.startswith("r2-%s." % case.name) for d in o.get("domains", []))]
    assert mine == [], "case %s left orders at the provider: %s" % (case.id, mine)


@pytest.mark.parametrize("case", [c for c in CASES if c.watch], ids=lambda c: c.id)
def test_case_sent_no_order_call(r2_run, case):
    """The watched cases never sent the calls they must not send (checked in their own request-log window)."""
    window = r2_run["windows"][case.id]["requests"]
    sent = ["%s %s -> %s" % (r["method"], r["path"], r["status"]) for r in window
            if re.search(case.watch, "%s %s" % (r["method"], r["path"]))]
    assert sent == [], "case %s sent %s" % (case.id, sent)


def test_provider_unchanged(r2_run):
    """Both providers' orders are the same before and after the cases, and no write call was accepted."""
    for provider in ("softlayer", "edgecast"):
        before, after = _stable(r2_run["before"][provider]), _stable(r2_run["after"][provider])
        added = [o for o in after if o not in before]
        assert after == before, "%s orders changed; new or different: %s" % (provider, json.dumps(added)[:3000])
    writes = [r for r in r2_run["requests"] if 200 <= r["status"] < 300 and (
        (r["provider"] == "softlayer" and SL_WRITES.search(r["path"]))
        or (r["provider"] == "edgecast" and r["path"].startswith("/sec/cps/") and r["method"] in EC_WRITE_METHODS))]
    assert writes == [], "accepted write calls during the cases: %s" % writes


def test_run_is_genuine(r2_run):
    """The run proves what it claims: the seeds held their status, the TLS sandbox saw no request, the fault fired."""
    seed_sl, seed_ec = r2_run["seed"]["softlayer"], r2_run["seed"]["edgecast"]
    assert [o["status"] for o in r2_run["after"]["softlayer"] if o["id"] == seed_sl["id"]] == ["Complete"]
    assert [o["status"] for o in r2_run["after"]["edgecast"] if o["id"] == seed_ec["id"]] == ["Active"]
    assert r2_run["tls_requests"] == [], "the TLS sandbox answered requests: %s" % r2_run["tls_requests"]
    assert any(r["provider"] == "softlayer" and r.get("fault") == "malformed_json" for r in r2_run["requests"])
    used = sorted({route for c in CASES for route in re.findall(r"r2_fake_url \}\}/(\w+)", json.dumps(c.args))})
    assert used and r2_run["fake_routes"] == used, (used, r2_run["fake_routes"])
    assert "Traceback (most recent call last)" not in r2_run["output"]
