#!/usr/bin/python
# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: edgecast_cert_order
short_description: Create, update, cancel and delete Edgecast CPS certificate requests
version_added: 1.0.0
author:
  - certops.orders contributors (@certops)
description:
  - Manages one CDN certificate request in the Edgecast (VDMS, Edgio) Certificate Provisioning System (CPS)
    REST API v2.0, identified by its O(label).
  - With O(state=present) the request exists with the given settings. A missing request is created with one
    C(POST /v2.0/certificates/cdnprovided), which is never repeated automatically. An existing one is updated where
    it differs, and only as far as its status allows.
  - With O(state=canceled) a request the CA is still processing is canceled; with O(state=absent) the request is
    canceled or deleted, as its status requires.
  - Can run an O(action) on an existing request, and wait for it to reach a status.
requirements:
  - requests >= 2.25
  - pydantic >= 2
extends_documentation_fragment:
  - certops.orders._edgecast
  - certops.orders._transport
  - certops.orders._wait
  - certops.orders._journal
  - certops.orders._attributes
  - certops.orders._attributes.ORDER_MODULE
  - certops.orders._attributes.ACTIONGROUP_EDGECAST
attributes:
  idempotent:
    details:
      - A request is created once and updated only where it differs; a second run changes nothing. O(action=renew),
        O(action=retrigger) and O(action=dcv_check) send nothing when their effect is there already (a renewal
        pending, no domain timed out, domain validation over).
      - O(action=regenerate_dcv_token) and O(action=resend_dcv_email) send their call on every run, so they always
        report a change, and so does O(action=dcv_check) while the request is in C(DomainControlValidation).
options:
  label:
    description:
      - The certificate label, which identifies the request. Letters, digits, C(_) and C(-), with single spaces
        between words (for example V(cdn_example_com) or V(cdn example 1)). The vendor's documentation names the
        characters and its own examples use the spaces; leading, trailing and doubled spaces are refused.
      - CPS keeps labels unique without regard to case, including the labels of deleted and canceled certificates.
    type: str
    required: true
    aliases: [name]
  state:
    description:
      - V(present) creates the request or updates it to the given settings.
      - V(canceled) cancels the request while the CA is still processing it. A request that is already canceled or
        deleted, or that does not exist, is left alone.
      - On an issued certificate with a renewal, reissue or organization update pending with the CA (order status
        C(AwaitingRenewal), C(PendingRenewal), C(AwaitingReissue), C(PendingReissue), C(AwaitingOrgUpdate) or
        C(PendingOrgUpdate)), V(canceled) cancels that change through the CPS cancel endpoint, which reverts the
        certificate to what it was; the live certificate stays. The task first asks CPS for a preview
        (C(PUT /v2.0/certificates/{id}/cancel?apply=false)) and applies the cancel (C(apply=true)) only when the
        action it names is a revert (its name contains C(revert), for example C(Revert)); any other action is refused
        without a change, as it could cancel the live certificate. RV(cancel_action) reports the action.
      - Any other request (issued with nothing pending, or ended by the CA, for example an order rejected during
        validation) cannot be canceled; the task fails and points to V(absent).
      - CPS answers a cancel before it may have carried it out, so after the cancel the task reads the status until it
        shows the cancel (the request C(Deleted)) or the revert (no change pending any more), within the task's time
        budget (O(wait_timeout)), and returns the certificate as of that read. If it does not show in time, the task
        fails with C(changed=true) and says so; the cancel is never sent twice.
      - V(absent) cancels a request the CA is still processing and deletes every other one (an issued certificate with
        a pending change too). A request that is already deleted, or that does not exist, is left alone.
      - Cancel or delete is decided as the vendor's own Terraform resource decides it. Cancel applies to a request
        in status C(Processing) with no order at the CA yet, and to one in C(DomainControlValidation) or
        C(OtherValidation) whose order is C(Pending). Every other request is deleted.
    type: str
    choices: [present, canceled, absent]
    default: present
  description:
    description:
      - The description of the request.
    type: str
  auto_renew:
    description:
      - Whether CPS renews the certificate about 60 days before it expires.
      - When not set, a new request gets the CPS default and an existing one keeps its setting.
    type: bool
  certificate_authority:
    description:
      - The certificate authority. It cannot change after creation.
    type: str
    choices: [DigiCert, LetsEncrypt]
    default: DigiCert
  validation_type:
    description:
      - The validation level. Needed to create a request; it cannot change afterwards.
    type: str
    choices: [DV, OV, EV]
  dcv_method:
    description:
      - How the domains are validated. Needed to create a request.
    type: str
    choices: [DnsTxtToken, DnsCnameToken, Email]
  domains:
    description:
      - The domains of the certificate. Needed to create a request.
      - Changing them is possible only once the certificate is issued (status C(Deployment) or C(Active)) and no
        renewal, reissue or organization update is pending; CPS then reissues the certificate. In any other status
        the task fails before changing anything and says when the change becomes possible.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - The domain name, for example V(cdn.example.com) or V(*.example.com).
        type: str
        required: true
      is_common_name:
        description:
          - Whether this domain is the common name. At most one domain may have it; when none has it, CPS picks one.
        type: bool
        default: false
  organization:
    description:
      - The organization of an OV or EV certificate. Required to create an OV or EV request.
      - CPS ignores an organization for DV certificates (the vendor's Go SDK example sends one with a DV request,
        its documentation says not to). Given for a DV certificate, it is not sent, neither on create nor as a
        change, and the module warns; a re-run stays unchanged.
      - When O(organization.id) names an organization of the account, the other fields are ignored; otherwise an
        exact O(organization.company_name) match is used, or a new organization is created from the fields.
      - On an existing request only the fields given here are compared. A change is sent with
        C(PUT /organization), which CPS accepts only once the certificate is issued and no other change is pending.
    type: dict
    suboptions:
      id:
        description: The id of an organization of the account (V(0) means registered only at DigiCert).
        type: int
      company_name:
        description: The company name.
        type: str
      company_address:
        description: The street address.
        type: str
      company_address2:
        description: The second address line.
        type: str
      city:
        description: The city.
        type: str
      state:
        description: The state (for the US, its abbreviation).
        type: str
      zip_code:
        description: The postal code.
        type: str
      country:
        description: The ISO 3166 two-letter country code.
        type: str
      organizational_unit:
        description: The organizational unit.
        type: str
      contact_first_name:
        description: The first name of the contact.
        type: str
      contact_last_name:
        description: The last name of the contact.
        type: str
      contact_email:
        description: The e-mail address of the contact.
        type: str
      contact_phone:
        description: The phone number of the contact.
        type: str
      contact_title:
        description: The job title of the contact.
        type: str
      additional_contacts:
        description: More contacts; EV needs them.
        type: list
        elements: dict
        suboptions:
          first_name:
            description: The first name.
            type: str
          last_name:
            description: The last name.
            type: str
          email:
            description: The e-mail address.
            type: str
          phone:
            description: The phone number.
            type: str
          title:
            description: The job title.
            type: str
          contact_type:
            description: The contact type, for example V(EvApprover), V(OrganizationContact) or V(TechnicalContact).
            type: str
  notifications:
    description:
      - E-mail notification settings of this certificate. Only the types listed are managed; the others keep their
        settings.
      - The addresses must belong to users of the account, or CPS refuses them.
    type: list
    elements: dict
    suboptions:
      notification_type:
        description: The notification.
        type: str
        required: true
        choices: [CertificateRenewal, CertificateExpiring, PendingValidations]
      enabled:
        description: Whether the notification is sent.
        type: bool
        required: true
      emails:
        description: The recipients; at least one when O(notifications[].enabled=true).
        type: list
        elements: str
        default: []
  action:
    description:
      - An action on an existing request, run after any settings change (with O(state=present) only).
      - V(renew) renews an issued certificate (needed when O(auto_renew=false)) when it needs renewing, that is when it is issued
        (status C(Deployment) or C(Active)), no renewal is pending (order status C(AwaitingRenewal) or
        C(PendingRenewal)) and no other change is, and its RV(certificate.days_left) are at most O(renew_within_days).
        Otherwise nothing is sent (C(changed=false)), and RV(renewal) says why. A second run right after a renewal
        finds it pending and changes nothing; check mode decides the same way.
      - V(regenerate_dcv_token) asks CPS for a new DCV token for every domain
        (C(PUT /v2.0/dcv/certificates/{id}/token?domain_ids=...)) and returns it in RV(certificate.dcv), with the DNS
        record to publish. Only for the DNS methods (C(DnsTxtToken), C(DnsCnameToken)) and only while the request is
        in C(DomainControlValidation); otherwise the task fails naming the status or the method. Always C(changed);
        in check mode the new token is not known (null).
      - V(resend_dcv_email) asks the CA to send the DCV e-mail again (C(POST /v2.0/dcv/certificates/{id}/emails/resend)).
        Only for O(dcv_method=Email) and only while the request is in C(DomainControlValidation); otherwise the task
        fails naming the status or the method. Always C(changed).
      - V(retrigger) resubmits a request whose domain validation timed out; left alone when no domain is timed out.
      - V(dcv_check) asks the CA to check the domain control validation now, for example after publishing the DNS
        record. It needs the request in C(DomainControlValidation) and fails while it is still C(Processing); later
        statuses leave it alone.
    type: str
    choices: [renew, retrigger, dcv_check, regenerate_dcv_token, resend_dcv_email]
  renew_within_days:
    description:
      - With O(action=renew), renew only a certificate that expires within this many days (0 to 3650), counted from
        the time the task runs; an expired certificate is within any window.
      - Defaults to V(30) when O(action=renew) is set (CPS's own auto-renewal starts about 60 days before expiry).
      - Applies only with O(action=renew); set without it, the task fails before any request.
    type: int
notes:
  - "O(wait_for) and O(fail_on) take the names of every CPS status catalogue, and the phases: request statuses
    (C(Processing), C(DomainControlValidation), C(OtherValidation), C(Deployment), C(Active), C(Deleted)), order
    statuses (for example C(Pending), C(Issued), C(AwaitingRenewal)), domain statuses (for example C(TimedOut)) and
    validation statuses (for example C(Approved)). A certificate is in its RV(certificate.status), its
    RV(certificate.order_status), its RV(certificate.phase), and a domain or validation status that all its domains share
    (a name that is also a request or order status, such as C(Active), keeps that meaning); O(fail_on) also matches
    the status of any one domain. The wait follows the
    certificate the task manages, also when nothing changed; check mode never waits."
  - Along the lifecycle (the request statuses in the order above; C(Pending), then C(Issued), then the renewal, reissue
    and organization-update statuses), a status the certificate has passed satisfies O(wait_for), unless
    O(wait_match=exact). See the waiting guide.
  - "The default O(fail_on) is the order statuses C(Rejected), C(RenewalRejected), C(ReissueRejected), C(Revoked),
    C(Expired) and C(Canceled), the status C(Deleted), and the domain status C(TimedOut) (a domain validation that ran
    out of time, which CPS does not resume by itself; resubmit it with O(action=retrigger)), each only when the CPS
    catalogues list it."
  - "RV(certificate.phase) maps the CPS statuses to the collection's phases: C(Processing), C(OtherValidation) and
    C(Deployment) are V(pending); C(DomainControlValidation) is V(action_required); C(Active) is V(issued);
    C(Deleted) is V(deleted). An order status of failure (C(Rejected), C(RenewalRejected), C(ReissueRejected),
    C(Revoked), C(Expired)) gives V(failed) and C(Canceled) gives V(canceled), whatever the request status."
  - If the create request fails without a clear answer (time-out, reset connection, server error), the task looks the
    label up instead of sending it again. When the certificate exists, the task goes on with a warning; when it does
    not, the task fails and says so.
  - If a call fails after the task already changed something (for example the notification settings after a create),
    the failed task still reports C(changed=true), RV(request) and RV(certificate).
  - A failed task reports C(http_status), C(http_method), C(http_url), C(provider_code) and C(provider_message) next
    to C(msg) when CPS or the token service refused a call; no secret or token appears in them.
seealso:
  - module: certops.orders.edgecast_cert_order_status_info
  - ref: ansible_collections.certops.orders.docsite.guide_edgecast
    description: Ordering from Edgecast CPS.
  - ref: ansible_collections.certops.orders.docsite.guide_waiting
    description: Waiting for certificate orders.
  - ref: ansible_collections.certops.orders.docsite.guide_renewal
    description: Renewing the certificates that expire soon, at both providers.
"""

EXAMPLES = r"""
- name: Order a DV certificate validated by DNS TXT record, and wait for its DCV token
  certops.orders.edgecast_cert_order:
    client_id: "{{ vault_edgecast_client_id }}"
    client_secret: "{{ vault_edgecast_client_secret }}"
    label: cdn_example_com
    description: CDN certificate for cdn.example.com
    validation_type: DV
    dcv_method: DnsTxtToken
    domains:
      - name: cdn.example.com
        is_common_name: true
      - name: static.example.com
    notifications:
      - notification_type: CertificateExpiring
        enabled: true
        emails: [ops@example.com]
    wait_for: [DomainControlValidation]
    wait_timeout: 300
  register: cdn_cert

- name: Publish the DNS records the CA checks (any DNS module; here community.dns for Hetzner DNS)
  community.dns.hetzner_dns_record_set:
    zone_name: example.com
    record: "{{ item.name }}"
    type: "{{ item.type }}"
    value: ["{{ item.value }}"]
    state: present
  loop: "{{ cdn_cert.certificate.dcv | map(attribute='dns_record') | select | unique | list }}"
  loop_control:
    label: "{{ item.name }}"

- name: A new DCV token, after the old one was lost (publish cdn_dcv.certificate.dcv as above)
  certops.orders.edgecast_cert_order:
    label: cdn_example_com
    action: regenerate_dcv_token
  register: cdn_dcv

- name: Ask the CA to check the records now, and wait for the certificate
  certops.orders.edgecast_cert_order:
    label: cdn_example_com
    action: dcv_check
    wait_for: [Issued]
    wait_timeout: 3600

- name: Order an OV certificate validated by e-mail, and wait until the CA has sent the e-mail
  certops.orders.edgecast_cert_order:
    label: shop_example_com
    validation_type: OV
    dcv_method: Email
    domains:
      - name: shop.example.com
    organization:
      company_name: Example Co.
      company_address: 111 Example Way
      city: Los Angeles
      state: CA
      zip_code: "90001"
      country: US
      contact_first_name: Pat
      contact_last_name: Doe
      contact_email: pat@example.com
      contact_phone: 111-111-1111
    wait_for: [DomainControlValidation]

- name: Ask the CA to send the DCV e-mail again
  certops.orders.edgecast_cert_order:
    label: shop_example_com
    action: resend_dcv_email

- name: Renew the certificate when it expires within 45 days (a no-op otherwise)
  certops.orders.edgecast_cert_order:
    label: cdn_example_com
    action: renew
    renew_within_days: 45
  register: cdn_renewal

- name: Say why
  ansible.builtin.debug:
    msg: "{{ cdn_renewal.renewal.reason }}"

- name: Cancel a request the CA is still processing, or a pending renewal of an issued certificate
  certops.orders.edgecast_cert_order:
    label: cdn_example_com
    state: canceled

- name: Delete an issued certificate (or cancel a pending request)
  certops.orders.edgecast_cert_order:
    label: cdn_example_com
    state: absent
"""

RETURN = r"""
certificate:
  description:
    - The certificate request after the task, with the keys of RV(certops.orders.edgecast_cert_order_status_info#module:certificates).
    - In check mode, the predicted request (values CPS would assign are null).
    - Null when no certificate has the label (O(state=canceled) or O(state=absent)).
  returned: always
  type: dict
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
      sample: Processing
    order_status:
      description: The order status at the CA; null until the order is placed with the CA.
      type: str
      sample: null
    phase:
      description: The provider-neutral phase (see the notes).
      type: str
      choices: [pending, action_required, issued, failed, canceled, deleted]
      sample: pending
    step:
      description: The step of the provisioning workflow CPS reports.
      type: int
      sample: 1
    requires_attention:
      description: Whether CPS flags the request as needing attention.
      type: bool
      sample: false
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
      description: Domain control validation data of each domain; the token and e-mails are read while the status is
        C(DomainControlValidation) (null and empty otherwise).
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
            - Several domains can need the same record (OV/EV domains of one parent); publishing it once is enough.
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
      sample: null
    expiration_date:
      description: When the certificate expires (UTC); null until it is issued.
      type: str
      sample: null
    days_left:
      description: Whole days until RV(certificate.expiration_date), rounded down, counted when the task ran; negative
        once expired, null until the certificate is issued.
      type: int
      sample: 211
    thumbprint:
      description: The certificate thumbprint; null until it is issued.
      type: str
      sample: null
    created:
      description: When the request was created (UTC).
      type: str
      sample: "2021-04-15T12:00:00.000000Z"
    last_modified:
      description: When the request was last changed (UTC).
      type: str
      sample: "2021-04-15T12:00:00.000000Z"
renewal:
  description: What O(action=renew) decided, the same in check mode.
  returned: when O(action=renew) and the certificate exists
  type: dict
  contains:
    needed:
      description: Whether the certificate needed renewing (and a renewal was sent, or would be in check mode).
      type: bool
      sample: false
    reason:
      description: Why, in words.
      type: str
      sample: the certificate has 211 days left, more than renew_within_days=30
    days_left:
      description: The certificate's days left when the task ran; null when not known (not issued).
      type: int
      sample: 211
    renew_within_days:
      description: The window used (O(renew_within_days), or 30).
      type: int
      sample: 30
cancel_action:
  description:
    - The action CPS's cancel preview named (from C(/v2.0/appendix/cancel-actions), for example C(Cancel) or
      C(Revert)), which the task then applied (or, in check mode, would apply); null when the preview named none.
  returned: when O(state=canceled) or O(state=absent) cancels a request
  type: str
  sample: Revert
request:
  description:
    - Every write call the task sent, or in check mode would send, in order; empty when nothing changes.
    - Paths are relative to C(<api_url>/sec/cps); C({id}) stands for the id of a request not created yet (check mode).
  returned: always
  type: list
  elements: dict
  contains:
    method:
      description: The HTTP method.
      type: str
      sample: POST
    path:
      description: The path.
      type: str
      sample: /v2.0/certificates/cdnprovided
    body:
      description: The JSON body (null for calls without one).
      type: raw
      sample: {"certificate_label": "cdn_example_com", "certificate_authority": "DigiCert", "validation_type": "DV",
               "dcv_method": "DnsTxtToken", "domains": [{"name": "cdn.example.com", "is_common_name": true}]}
wait:
  description: How the wait went.
  returned: when O(wait_for) is set, a certificate exists and the task is not in check mode
  type: dict
  contains:
    elapsed:
      description: Seconds spent waiting.
      type: float
      sample: 7.2
    polls:
      description: How many rounds of reads the wait made.
      type: int
      sample: 5
    history:
      description: One entry per status change of the certificate.
      type: list
      elements: dict
      sample: [{"id": 11605, "status": "Processing", "elapsed": 0.0}]
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
diff:
  description: The certificate's managed settings and statuses before and after (see the diff_mode attribute).
  returned: in diff mode
  type: dict
  contains:
    before:
      description: The certificate before the task; null when there was none.
      type: dict
      sample: {"id": 11605, "label": "cdn_example_com", "description": "old", "auto_renew": true,
               "validation_type": "DV", "dcv_method": "DnsTxtToken", "status": "Active", "order_status": "Issued",
               "domains": [{"name": "cdn.example.com", "is_common_name": true}], "certificate_authority": "DigiCert"}
      contains: &diff_contains
        id:
          description: The certificate request id (null for a request not created yet).
          type: int
          sample: 11605
        label:
          description: The certificate label.
          type: str
          sample: cdn_example_com
        description:
          description: The description.
          type: str
          sample: CDN certificate for cdn.example.com
        auto_renew:
          description: Whether CPS renews the certificate about 60 days before it expires.
          type: bool
          sample: true
        validation_type:
          description: The validation level.
          type: str
          sample: DV
        dcv_method:
          description: The domain control validation method.
          type: str
          sample: DnsTxtToken
        status:
          description: The certificate request status.
          type: str
          sample: Active
        order_status:
          description: The order status at the CA, or null.
          type: str
          sample: Issued
        domains:
          description: The domains.
          type: list
          elements: dict
          contains:
            name:
              description: The domain name.
              type: str
              sample: cdn.example.com
            is_common_name:
              description: Whether this domain is the common name.
              type: bool
              sample: true
        certificate_authority:
          description: The certificate authority; only when the task read the whole request (create or update).
          type: str
          sample: DigiCert
        notifications:
          description:
            - The notification settings of the certificate; only when O(notifications) is set.
            - After the task, the types O(notifications) lists have the given settings and the others keep theirs.
          type: list
          elements: dict
          contains:
            notification_type:
              description: The notification.
              type: str
              sample: CertificateExpiring
            enabled:
              description: Whether the notification is sent.
              type: bool
              sample: true
            emails:
              description: The recipients.
              type: list
              elements: str
              sample: [ops@example.com]
        organization:
          description:
            - The organization fields given in O(organization) (only those), as CPS has them before and as they are
              after the task; only when O(organization) is set for an OV or EV certificate that exists.
            - The keys are those of O(organization); C(additional_contacts) before the task holds the contacts as
              CPS returns them.
          type: dict
          contains:
            id:
              description: The organization id.
              type: int
              sample: 1002
            company_name:
              description: The company name.
              type: str
              sample: Example Co.
            company_address:
              description: The street address.
              type: str
              sample: 111 Example Way
            company_address2:
              description: The second address line.
              type: str
              sample: Suite 2
            city:
              description: The city.
              type: str
              sample: Los Angeles
            state:
              description: The state.
              type: str
              sample: CA
            zip_code:
              description: The postal code.
              type: str
              sample: "90001"
            country:
              description: The ISO 3166 two-letter country code.
              type: str
              sample: US
            organizational_unit:
              description: The organizational unit.
              type: str
              sample: Operations
            contact_first_name:
              description: The first name of the contact.
              type: str
              sample: Pat
            contact_last_name:
              description: The last name of the contact.
              type: str
              sample: Doe
            contact_email:
              description: The e-mail address of the contact.
              type: str
              sample: pat@example.com
            contact_phone:
              description: The phone number of the contact.
              type: str
              sample: 111-111-1111
            contact_title:
              description: The job title of the contact.
              type: str
              sample: CTO
            additional_contacts:
              description: The additional contacts.
              type: list
              elements: dict
              contains:
                id:
                  description: The contact's id at CPS (before the task only, when CPS returns one).
                  type: int
                  sample: 2001
                first_name:
                  description: The first name.
                  type: str
                  sample: Sam
                last_name:
                  description: The last name.
                  type: str
                  sample: Roe
                email:
                  description: The e-mail address.
                  type: str
                  sample: sam@example.com
                phone:
                  description: The phone number.
                  type: str
                  sample: 111-111-1112
                title:
                  description: The job title.
                  type: str
                  sample: CTO
                contact_type:
                  description: The contact type.
                  type: str
                  sample: TechnicalContact
    after:
      description: The certificate after the task (in check mode, as predicted); null when there is none.
      type: dict
      sample: {"id": 11605, "label": "cdn_example_com", "description": "new", "auto_renew": true,
               "validation_type": "DV", "dcv_method": "DnsTxtToken", "status": "Active", "order_status": "Issued",
               "domains": [{"name": "cdn.example.com", "is_common_name": true}], "certificate_authority": "DigiCert"}
      # the same keys as before
      contains: *diff_contains
http_status:
  description: The HTTP status of the provider call that failed (null when no answer arrived).
  returned: when a provider call fails
  type: int
  sample: 409
http_method:
  description: The method of the failed call.
  returned: when a provider call fails
  type: str
  sample: PATCH
http_url:
  description: The URL of the failed call (never with credentials).
  returned: when a provider call fails
  type: str
  sample: https://api.vdms.io/sec/cps/v2.0/certificates/11605
provider_code:
  description: The provider's error code.
  returned: when a provider call fails
  type: str
  sample: invalid_operation
provider_message:
  description: The provider's error message.
  returned: when a provider call fails
  type: str
  sample: The certificate's domains cannot be changed in its current status.
attempts:
  description: How many times the failed call was sent (reads are retried on transient failures).
  returned: when a provider call fails after retries
  type: int
  sample: 5
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certops.orders.plugins.module_utils._edgecast.provider import EdgecastOrder, order_module_args
from ansible_collections.certops.orders.plugins.module_utils._runner import run_order


def main():
    run_order(AnsibleModule(**order_module_args()), EdgecastOrder)


if __name__ == "__main__":
    main()
