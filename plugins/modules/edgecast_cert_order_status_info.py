#!/usr/bin/python
# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: edgecast_cert_order_status_info
short_description: Read Edgecast CPS certificate requests and wait for their status
version_added: 1.0.0
author:
  - certops.orders contributors (@certops)
description:
  - Reads certificate requests from the Edgecast (VDMS, Edgio) Certificate Provisioning System (CPS) REST API v2.0,
    selected by id, by label or by domain, together with their request status, order status, domains, domain control
    validation (DCV) data and target CNAME.
  - Always returns the order status and certificate request status catalogues of CPS.
  - Optionally waits inside the task until every selected certificate reaches one of the O(wait_for) statuses.
requirements:
  - requests >= 2.25
  - pydantic >= 2
extends_documentation_fragment:
  - certops.orders._edgecast
  - certops.orders._transport
  - certops.orders._wait
  - certops.orders._wait.info
  - certops.orders._lifecycle
  - certops.orders._attributes
  - certops.orders._attributes.INFO_MODULE
  - certops.orders._attributes.ACTIONGROUP_EDGECAST
options:
  certificate_id:
    description:
      - The id of one certificate request.
    type: int
  certificate_ids:
    description:
      - The ids of several certificate requests, read concurrently (at most 8 at a time).
    type: list
    elements: int
  label:
    description:
      - The label of a certificate request (CPS compares labels without regard to case).
      - The same rule as the O(certops.orders.edgecast_cert_order#module:label) of the order module applies, and a label
        that breaks it fails the task.
      - Selects nothing when no certificate has this label.
    type: str
  domain:
    description:
      - Selects every certificate request with this domain, through the CPS list query C(domain_names:<domain>),
        following every page. C(*) is a wildcard, for example V(*.example.com).
      - Deleted and canceled certificates are listed too; RV(certificates[].phase) tells them apart.
    type: str
  status:
    description:
      - Select only certificates whose request status (RV(certificates[].status)) or order status
        (RV(certificates[].order_status)) is one of these names, for example V(Active), V(PendingRenewal) or
        V(Expired).
      - Names are checked against the CPS catalogues (C(/v2.0/appendix/certificate-statuses) and
        C(/v2.0/appendix/order-statuses)); an unknown name fails the task listing the valid ones.
      - Applies on top of the other selectors. The CPS list query cannot filter by status (it filters only by label,
        description, id or domain name), so each selected certificate is read and then filtered, as with
        O(expiring_within_days).
    type: list
    elements: str
  wait_reads:
    description:
      - How a wait for several certificates reads their statuses. CPS has no call that returns the status of many
        certificates, so each certificate's status is a request of its own. A wait for one certificate reads the same
        either way.
      - V(in_order) reads the pending certificates one at a time, in the order selected, and ends each round at the
        first one that is not ready yet; the ones after it are read once it is ready. That costs about one status read
        per certificate plus one per round, as a hand-written loop does. A certificate further down the list is seen
        late, and so is its failure status, which ends the wait only when the round reaches it.
      - V(every_pending) reads every pending certificate in every round, up to 8 at a time. Each certificate is then
        seen within the poll schedule's bound after it changes (see the waiting guide), and a failure status of any of
        them ends the wait at the next round, for about one request per pending certificate per round.
      - "For example, 1,000 certificates that become ready evenly over ten minutes: V(in_order) made about 2,200
        requests and saw the median certificate about 320 s after it was ready; V(every_pending) made about 48,000
        requests and saw it after about 8 s."
    type: str
    choices: [in_order, every_pending]
    default: in_order
notes:
  - "O(wait_for) and O(fail_on) take the names of every CPS status catalogue, and the phases: request statuses
    (C(Processing), C(DomainControlValidation), C(OtherValidation), C(Deployment), C(Active), C(Deleted)), order
    statuses (for example C(Pending), C(Issued), C(AwaitingRenewal)), domain statuses (for example C(TimedOut)) and
    validation statuses (for example C(Approved)). A certificate is in its RV(certificates[].status), its
    RV(certificates[].order_status), its RV(certificates[].phase), and a domain or validation status that all its domains share
    (a name that is also a request or order status, such as C(Active), keeps that meaning); O(fail_on) also matches
    the status of any one domain."
  - Without any of O(certificate_id), O(certificate_ids), O(label) or O(domain), the task selects every certificate
    request of the account, following every page of the CPS list (deleted and canceled ones included), and
    O(expiring_within_days) and O(status) narrow that selection.
  - Along the lifecycle (the request statuses in the order above; C(Pending), then C(Issued), then the renewal, reissue
    and organization-update statuses), a status the certificate has passed satisfies O(wait_for), unless
    O(wait_match=exact). See the waiting guide.
  - "The default O(fail_on) is the order statuses C(Rejected), C(RenewalRejected), C(ReissueRejected), C(Revoked),
    C(Expired) and C(Canceled), the status C(Deleted), and the domain status C(TimedOut) (a domain validation that ran
    out of time, which CPS does not resume by itself; resubmit it with O(certops.orders.edgecast_cert_order#module:action=retrigger)), each only when the CPS
    catalogues list it."
  - "RV(certificates[].phase) maps the CPS statuses to the collection's phases: C(Processing), C(OtherValidation) and
    C(Deployment) are V(pending); C(DomainControlValidation) is V(action_required); C(Active) is V(issued);
    C(Deleted) is V(deleted). An order status of failure (C(Rejected), C(RenewalRejected), C(ReissueRejected),
    C(Revoked), C(Expired)) gives V(failed) and C(Canceled) gives V(canceled), whatever the request status."
  - A failed task reports C(http_status), C(http_method), C(http_url), C(provider_code) and C(provider_message) next
    to C(msg) when CPS or the token service refused a call; no secret or token appears in them.
seealso:
  - module: certops.orders.edgecast_cert_order
  - ref: ansible_collections.certops.orders.docsite.guide_edgecast
    description: Ordering from Edgecast CPS.
  - ref: ansible_collections.certops.orders.docsite.guide_waiting
    description: Waiting for certificate orders.
  - ref: ansible_collections.certops.orders.docsite.guide_renewal
    description: Renewing the certificates that expire soon, at both providers.
"""

EXAMPLES = r"""
- name: Read every certificate request of the account, and the CPS status catalogues
  certops.orders.edgecast_cert_order_status_info:
    client_id: "{{ vault_edgecast_client_id }}"
    client_secret: "{{ vault_edgecast_client_secret }}"
  register: cps_account

- name: Read a certificate request by label
  certops.orders.edgecast_cert_order_status_info:
    label: cdn_example_com
  register: cdn_cert

- name: Show the DNS record to publish for its domain control validation
  ansible.builtin.debug:
    msg: "{{ cdn_cert.certificates[0].dcv[0].dns_record }}"

- name: Order DV certificates for several names
  certops.orders.edgecast_cert_order:
    label: "{{ item | replace('.', '_') }}"
    validation_type: DV
    dcv_method: DnsTxtToken
    domains:
      - name: "{{ item }}"
  loop: [img.example.com, api.example.com]
  register: new_certs

- name: Wait until all of them are issued and deployed, and stop at once if the CA rejects any of them
  certops.orders.edgecast_cert_order_status_info:
    certificate_ids: "{{ new_certs.results | map(attribute='certificate.id') | list }}"
    wait_for: [Active]
    wait_reads: every_pending
    wait_timeout: 3600
    wait_sleep: 60

- name: Every issued certificate of the account that expires within 30 days
  certops.orders.edgecast_cert_order_status_info:
    expiring_within_days: 30
    status: [Active, Deployment]
  register: expiring

- name: Renew each of them
  certops.orders.edgecast_cert_order:
    label: "{{ item.label }}"
    action: renew
    renew_within_days: 30
  loop: "{{ expiring.certificates }}"
  loop_control:
    label: "{{ item.label }}"

- name: Every certificate of a domain, across all pages
  certops.orders.edgecast_cert_order_status_info:
    domain: "*.example.com"
  register: by_domain

- name: Set the connection once for every Edgecast task of a block (module_defaults works on a play too)
  module_defaults:
    group/certops.orders.edgecast:
      client_id: "{{ vault_edgecast_client_id }}"
      client_secret: "{{ vault_edgecast_client_secret }}"
  block:
    - name: Wait for the DCV step of a new request (a later status counts too)
      certops.orders.edgecast_cert_order_status_info:
        label: cdn_example_com
        wait_for: [DomainControlValidation]
"""

RETURN = r"""
order_statuses:
  description: The CPS order statuses, from C(/v2.0/appendix/order-statuses).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The status id.
      type: int
      sample: 2
    name:
      description: The status name.
      type: str
      sample: Issued
certificate_statuses:
  description: The CPS certificate request statuses, from C(/v2.0/appendix/certificate-statuses).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The status id.
      type: int
      sample: 5
    name:
      description: The status name.
      type: str
      sample: Active
certificates:
  description:
    - The selected certificate requests, in the order of O(certificate_ids) or of the CPS list.
    - After a wait, their last-seen state; on a failed wait too.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The certificate request id.
      type: int
      sample: 11605
    label:
      description: The certificate label.
      type: str
      sample: cdn_example_com
    description:
      description: The description.
      type: str
      sample: DV certificate for cdn.example.com
    validation_type:
      description: The validation level.
      type: str
      sample: DV
    dcv_method:
      description: The domain control validation method.
      type: str
      sample: DnsTxtToken
    auto_renew:
      description: Whether CPS renews the certificate about 60 days before it expires.
      type: bool
      sample: true
    status:
      description: The certificate request status.
      type: str
      sample: DomainControlValidation
    order_status:
      description: The order status at the CA; null until the order is placed with the CA.
      type: str
      sample: Pending
    phase:
      description: The provider-neutral phase (see the notes).
      type: str
      choices: [pending, action_required, issued, failed, canceled, deleted]
      sample: action_required
    step:
      description: The step of the provisioning workflow CPS reports.
      type: int
      sample: 2
    requires_attention:
      description: Whether CPS flags the request as needing attention.
      type: bool
      sample: true
    error_message:
      description: The error CPS reports for the request (status or workflow error), or null.
      type: str
      sample: null
    domains:
      description: The domains of the certificate.
      type: list
      elements: dict
      contains:
        id:
          description: The domain id.
          type: int
          sample: 21001
        name:
          description: The domain name.
          type: str
          sample: cdn.example.com
        is_common_name:
          description: Whether this domain is the common name.
          type: bool
          sample: true
        status:
          description: The domain status.
          type: str
          sample: PendingDns
        created:
          description: When the domain was added (UTC).
          type: str
          sample: "2021-04-15T12:00:00.000000Z"
        active_date:
          description: When the domain became active (UTC), or null.
          type: str
          sample: null
    domain_validations:
      description: The validation status of each domain group at the CA; empty until the order is placed.
      type: list
      elements: dict
      contains:
        domain_id:
          description: The domain id.
          type: int
          sample: 21001
        domain_names:
          description: The domain names of the group.
          type: list
          elements: str
          sample: [cdn.example.com]
        status:
          description: The validation status.
          type: str
          sample: Pending
    dcv:
      description:
        - Domain control validation data for each domain, so that a pipeline can publish the DNS record or find
          the e-mail recipients.
        - The DNS token and e-mails are read while the status is C(DomainControlValidation), when they can be acted
          on; in any other status C(token) is null and C(emails) empty.
      type: list
      elements: dict
      contains:
        domain_id:
          description: The domain id.
          type: int
          sample: 21001
        domain:
          description: The domain name.
          type: str
          sample: cdn.example.com
        method:
          description: The DCV method.
          type: str
          sample: DnsTxtToken
        token:
          description: The DNS TXT or CNAME token, or null.
          type: str
          sample: 0a1b2c3d4e5f60718293a4b5c6d7e8f9
        emails:
          description: The e-mail recipients for e-mail DCV.
          type: list
          elements: str
          sample: []
        dns_record:
          description:
            - The DNS record to publish for this domain with a DNS DCV method, once CPS has a token; null for Email
              DCV and while there is no token.
            - "C(DnsTxtToken): a C(TXT) record at the domain whose value is the token. C(DnsCnameToken): a C(CNAME)
              record named C(<token>.<domain>) pointing at C(dcv.digicert.com). The token is CPS's; the record names
              and the CNAME target follow DigiCert's DNS validation methods (CPS's CA) and are inferred, as CPS
              documents only the token."
            - The domain is the domain itself (without C(*.) for a wildcard) for DV, whose domains share one token,
              and the parent domain (the last two labels) for OV and EV, which CPS validates per parent domain.
          type: dict
          contains:
            name:
              description: The record's fully qualified name, without a trailing dot.
              type: str
              sample: cdn.example.com
            type:
              description: The record type.
              type: str
              choices: [TXT, CNAME]
              sample: TXT
            value:
              description: The record's value.
              type: str
              sample: 0a1b2c3d4e5f60718293a4b5c6d7e8f9
    target_cname:
      description: The CDN host name to point a CNAME at, once the certificate is deployed; null before.
      type: str
      sample: cs-1a2b3c4d.wpc.0001.edgecastcdn.net
    expiration_date:
      description: When the certificate expires (UTC); null until it is issued.
      type: str
      sample: "2022-05-16T23:59:59.000000Z"
    days_left:
      description: Whole days until RV(certificates[].expiration_date), rounded down, counted when the task ran;
        negative once expired, null until the certificate is issued.
      type: int
      sample: 211
    thumbprint:
      description: The certificate thumbprint; null until it is issued.
      type: str
      sample: 3F2A5B...
    created:
      description: When the request was created (UTC).
      type: str
      sample: "2021-04-15T12:00:00.000000Z"
    last_modified:
      description: When the request was last changed (UTC).
      type: str
      sample: "2021-04-15T12:00:00.000000Z"
wait:
  description: How the wait went; on a failed or timed-out wait too.
  returned: when O(wait_for) is set and a certificate is selected
  type: dict
  contains:
    elapsed:
      description: Seconds spent waiting.
      type: float
      sample: 12.5
    polls:
      description: How many rounds of reads the wait made.
      type: int
      sample: 6
    history:
      description: One entry per status change of each certificate.
      type: list
      elements: dict
      sample: [{"id": 11605, "status": "DomainControlValidation / Pending", "elapsed": 0.0}]
      contains:
        id:
          description: The certificate request id.
          type: int
          sample: 11605
        status:
          description:
            - The request status and the order status at the CA, joined by C( / ) (only the request status while
              there is no order), followed by C( (domain validation timed out)) when a domain's validation timed out.
          type: str
          sample: DomainControlValidation / Pending
        elapsed:
          description: Seconds into the wait when this status was first seen.
          type: float
          sample: 0.0
http_status:
  description: The HTTP status of the provider call that failed (null when no answer arrived).
  returned: when a provider call fails
  type: int
  sample: 404
http_method:
  description: The method of the failed call.
  returned: when a provider call fails
  type: str
  sample: GET
http_url:
  description: The URL of the failed call (never with credentials).
  returned: when a provider call fails
  type: str
  sample: https://api.vdms.io/sec/cps/v2.0/certificates/42
provider_code:
  description: The provider's error code.
  returned: when a provider call fails
  type: str
  sample: not_found
provider_message:
  description: The provider's error message.
  returned: when a provider call fails
  type: str
  sample: Certificate 42 was not found.
attempts:
  description: How many times the failed call was sent (reads are retried on transient failures).
  returned: when a provider call fails after retries
  type: int
  sample: 5
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certops.orders.plugins.module_utils._edgecast.provider import EdgecastInfo, info_module_args
from ansible_collections.certops.orders.plugins.module_utils._runner import run_info


def main():
    run_info(AnsibleModule(**info_module_args()), EdgecastInfo)


if __name__ == "__main__":
    main()
