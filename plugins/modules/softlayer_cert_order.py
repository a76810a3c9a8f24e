#!/usr/bin/python
# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: softlayer_cert_order
short_description: Order, cancel and re-drive SoftLayer SSL certificate orders
version_added: 1.0.0
description:
  - Makes sure an SSL certificate order exists at IBM Cloud Classic Infrastructure (SoftLayer) for
    a common name and a CSR, placing it once when it does not; cancels pending orders; resends the
    CA's approver or fulfillment e-mail.
  - "Identity is the CSR: its common name and its content (the DER the PEM text encodes). When a
    request for it exists and is not V(Canceled), nothing is ordered. A new CSR (a renewal with a new
    key) places a new order."
  - "Placing resolves O(item_key_name) to the SSL package's item and price, checks O(server_type)
    against the server-type catalogue, asks the CA whether it accepts the CSR with
    C(SoftLayer_Security_Certificate_Request::validateCsr) (the CSR, the item's validity in months,
    the item's id and the server type), validates the order with
    C(SoftLayer_Product_Order::verifyOrder), places it once with C(placeOrder) (never retried), then
    finds the new certificate request by its billing order id: the request appears some seconds after
    the order. The search lasts O(wait_timeout), but at least 60 seconds, and the time it takes comes
    off the O(wait_for) wait."
  - "When C(validateCsr) answers anything but true, or raises a SoftLayer exception, the CSR is
    refused: the task fails saying so (with the provider's code and message when there is one), and
    nothing is ordered. A C(validateCsr) that fails for another reason (the rate limit or a server
    error after the retries, no answer) also orders nothing, and says the CSR could not be checked."
  - "A placement costs 10 requests when the new request shows up at the first look: the status
    catalogue, the account id, the look-up by common name, the SSL package, its items, the server
    types, C(validateCsr), C(verifyOrder), C(placeOrder) and one look-up by billing order id (one
    more per look while the request has not appeared). Finding an existing order costs 3."
  - With O(wait_for), waits until the order reaches one of the given statuses.
  - "The options that decide what the task does are O(state), O(common_name) and O(csr) (or O(order_id)),
    O(item_key_name), O(server_type), O(approver_email), O(resend_email) and the wait options (O(wait_for),
    O(wait_timeout)). O(organization), O(technical_contact), O(administrative_contact) and O(billing_contact)
    only describe who the certificate is for; they are needed only to place an order."
author:
  - certops.orders contributors (@certops)
requirements:
  - requests >= 2.25
  - pydantic >= 2
  - cryptography >= 3.1
extends_documentation_fragment:
  - certops.orders._softlayer
  - certops.orders._softlayer_contacts
  - certops.orders._transport
  - certops.orders._wait
  - certops.orders._journal
  - certops.orders._attributes
  - certops.orders._attributes.order_module
  - certops.orders._attributes.actiongroup_softlayer
attributes:
  check_mode:
    details:
      - In check mode the CSR of a missing order is checked with C(validateCsr) and the order with
        C(verifyOrder) (the provider checks both, nothing is placed), and RV(receipt) shows what would
        be ordered. A CSR the provider refuses fails the task in check mode too.
  diff_mode:
    details:
      - The diff shows the order's id, common name, status and billing order id before and after.
  idempotent:
    details:
      - An order is placed once; a second run finds it and changes nothing. A cancel of a canceled order changes
        nothing.
      - O(resend_email) sends the e-mail on every run, so it always reports a change.
options:
  state:
    description:
      - V(present) makes sure the order exists (placing it when needed).
      - V(canceled) cancels the order while it is V(Pending CA Approval). An order that is already
        V(Canceled) is left alone; an V(Approved) or V(Complete) order cannot be canceled and the
        task fails. When no order for O(common_name) and O(csr) exists, nothing happens.
    type: str
    choices: [present, canceled]
    default: present
  order_id:
    description:
      - Act on an existing certificate request by id instead of finding it by O(common_name) and
        O(csr). With O(state=present) nothing is ordered; the order must exist.
    type: int
  common_name:
    description:
      - The certificate's common name. It must be the CSR's common name (CN), or, when the CSR has
        no CN, one of its subjectAltName DNS names. DNS names are compared without regard to case or
        a trailing dot (V(WWW.Example.com) matches a CSR for V(www.example.com)).
      - The order is recorded, and found again, under the CN as the CSR writes it, whatever the case
        of O(common_name). For a CSR without a CN, all the account's requests are searched.
      - Required together with O(csr) unless O(order_id) is given.
    type: str
  csr:
    description:
      - "The PEM certificate signing request (the text, not a file name; use
        C(lookup('ansible.builtin.file', ...))), with exactly one C(CERTIFICATE REQUEST) (or
        C(NEW CERTIFICATE REQUEST)) block. A private key block is refused and never sent; so are a
        second CSR, any other PEM block, and a block that does not parse. A subject with several
        common names is refused too."
      - "An existing order is found by the CSR's content, the SHA-256 digest of its DER encoding, so
        the PEM armour and line breaks do not matter, while a new key or any changed field is a new
        CSR. The CSR is sent in the standard C(CERTIFICATE REQUEST) armour."
    type: str
  item_key_name:
    description:
      - The catalogue item to order, such as V(SSL_CERTIFICATE_RAPIDSSL_1_YEAR) or
        V(SSL_CERTIFICATE_QUICKSSL_PREMIUM_2_YEAR). An unknown name fails and lists the valid ones.
      - Required to place an order. The certificate's validity (the C(validityMonths) of
        C(validateCsr)) comes from the item, from its capacity and units, else from the C(_<N>_YEAR)
        ending of its name.
      - "When an order for O(common_name) and O(csr) (or O(order_id)) exists, O(item_key_name) is
        compared with the item it was placed for (the request's order item, RV(order.item_key_name)).
        A placed order's item cannot change, so another item fails the task, in check mode too, and
        nothing is changed or ordered: use a new CSR to order another item (and cancel the old order
        while it is V(Pending CA Approval) if it is not wanted). When the provider's record does not
        name the item, the task warns that it could not compare. With O(state=canceled) the item is
        not compared."
    type: str
  server_type:
    description:
      - The server type name from C(SoftLayer_Security_Certificate_Request_ServerType), such as
        V(apache2) or V(nginx). An unknown name fails and lists the valid ones.
      - Required to place an order.
      - Not compared with an existing order. SoftLayer's certificate request record does not hold
        the server type (only the order container sent to C(placeOrder) does), so a changed
        O(server_type) is neither applied nor reported for an order that exists.
    type: str
  approver_email:
    description:
      - The mailbox at the domain that approves the order, such as V(admin@example.com). The CA
        accepts only certain mailboxes (admin, administrator, hostmaster, root, webmaster,
        mailmaster) at the common name's domain or a parent domain.
      - Required to place an order.
    type: str
  renewal:
    description:
      - Whether the order renews an existing certificate (the container's C(renewalFlag)).
    type: bool
    default: false
  resend_email:
    description:
      - Resend one of the CA's e-mails for the order.
      - V(approver) resends the approval request; only while the order is V(Pending CA Approval).
      - V(fulfillment) resends the e-mail with the certificate; only when V(Approved) or V(Complete).
      - In another status the task fails and says which statuses allow it. A resend always reports
        a change (the order status stays the same, so the diff shows no difference).
    type: str
    choices: [approver, fulfillment]
notes:
  - The default O(fail_on) is V(Canceled), which is also how a rejection by the CA shows.
  - "Along the lifecycle (V(Pending CA Approval), V(Approved), V(Complete)), a status the order has passed
    satisfies O(wait_for): waiting for V(Approved) is also satisfied by V(Complete), unless O(wait_match=exact).
    The phases (C(action_required), C(issued), C(canceled)) are accepted too. See the waiting guide."
  - When C(placeOrder) fails without a clear answer (a timeout, a dropped connection, a server
    error), the module does not order again. It looks for a request for O(common_name) and O(csr)
    within O(wait_timeout), reports it when found (with a warning), and fails otherwise.
  - The provider lists a new order's certificate request only some seconds after C(placeOrder). Runs on one
    host serialise on the order journal (O(journal_dir)) and a run that finds an earlier run's unanswered order
    looks it up instead of ordering again; runs on different hosts do not see each other's journal, so order
    each certificate from one host (C(run_once=true)).
  - "The CA e-mails the issued certificate; SoftLayer does not store it. Import it afterwards as a
    stored certificate if you need it there."
seealso:
  - module: certops.orders.softlayer_cert_order_status_info
  - ref: ansible_collections.certops.orders.docsite.guide_softlayer
    description: Ordering from SoftLayer.
  - ref: ansible_collections.certops.orders.docsite.guide_waiting
    description: Waiting for certificate orders.
  - ref: ansible_collections.certops.orders.docsite.guide_renewal
    description: Renewing the certificates that expire soon, at both providers.
"""

EXAMPLES = r"""
- name: Show what would be ordered for www.example.com, without ordering
  certops.orders.softlayer_cert_order:
    common_name: www.example.com
    csr: "{{ lookup('ansible.builtin.file', 'www.example.com.csr') }}"
    item_key_name: SSL_CERTIFICATE_RAPIDSSL_1_YEAR
    server_type: nginx
    approver_email: admin@example.com
    organization: "{{ org }}"
    technical_contact: "{{ ops_contact }}"
  check_mode: true
  register: www_preview

- name: Order a RapidSSL certificate for www.example.com (once; a re-run finds the order)
  certops.orders.softlayer_cert_order:
    common_name: www.example.com
    csr: "{{ lookup('ansible.builtin.file', 'www.example.com.csr') }}"
    item_key_name: SSL_CERTIFICATE_RAPIDSSL_1_YEAR
    server_type: nginx
    approver_email: admin@example.com
    organization:
      name: Example Corp
      phone: "+1 555 0100"
      address: {line1: 1 Main St, city: Dallas, state: TX, postal_code: "75001", country_code: US}
    technical_contact:
      first_name: Ada
      last_name: Lovelace
      title: Operations
      email: ops@example.com
      phone: "+1 555 0101"
  register: www_order

- name: Ask the CA to send the approval e-mail again
  certops.orders.softlayer_cert_order:
    order_id: "{{ www_order.order.id }}"
    resend_email: approver

- name: Wait up to a day for the CA's approval, polling every 5 minutes at most
  certops.orders.softlayer_cert_order:
    order_id: "{{ www_order.order.id }}"
    wait_for: [Approved]
    wait_timeout: 86400
    wait_sleep: 300

- name: Cancel the order for a CSR while the CA has not approved it yet
  certops.orders.softlayer_cert_order:
    common_name: shop.example.com
    csr: "{{ lookup('ansible.builtin.file', 'shop.example.com.csr') }}"
    state: canceled

- name: Connection options once for every SoftLayer task of a block
  module_defaults:
    group/certops.orders.softlayer:
      username: "{{ vault_sl_username }}"
      api_key: "{{ vault_sl_api_key }}"
  block:
    - name: Resend the certificate itself
      certops.orders.softlayer_cert_order:
        order_id: "{{ www_order.order.id }}"
        resend_email: fulfillment
"""

RETURN = r"""
statuses:
  description: The provider's status catalogue, from C(getSslRequestStatuses).
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Status id.
      type: int
      sample: 50
    name:
      description: Status name.
      type: str
      sample: Pending CA Approval
    description:
      description: The provider's description of the status.
      type: str
      sample: Order submitted and waiting for approval by the Certificate Authority
order:
  description:
    - The certificate request this task manages, as after the task (null when nothing matches,
      and in check mode before the order is placed).
    - On a failed or timed-out wait, its last-seen state.
  returned: always
  type: dict
  contains:
    id:
      description: The certificate request id.
      type: int
      sample: 987654
    common_name:
      description: The certificate's common name.
      type: str
      sample: www.example.com
    status:
      description: The status name (null for a status id the catalogue does not list).
      type: str
      sample: Pending CA Approval
    status_id:
      description: The status id.
      type: int
      sample: 50
    phase:
      description: The provider-neutral phase, one of C(action_required), C(issued), C(canceled).
      type: str
      sample: action_required
    cancelable:
      description: Whether the order can still be canceled.
      type: bool
      sample: true
    approver_email:
      description: The address that approves the order.
      type: str
      sample: admin@example.com
    technical_contact_email:
      description: The technical contact's address.
      type: str
      sample: ops@example.com
    order_id:
      description: The billing order id.
      type: int
      sample: 31999001
    create_date:
      description: When the request was created.
      type: str
      sample: "2023-11-02T09:14:27-06:00"
    modify_date:
      description: When the request was last modified.
      type: str
      sample: "2023-11-02T09:14:27-06:00"
    effective_date:
      description: When the certificate went into effect (null before approval).
      type: str
      sample: "2023-11-03T00:00:00-06:00"
    expiration_date:
      description: When the certificate expires (null before approval).
      type: str
      sample: "2024-11-03T23:59:59-06:00"
    days_left:
      description:
        - Whole days from the time the task ran until RV(order.expiration_date), rounded down
          (0 on the last day, negative once expired); null before approval.
      type: int
      sample: 364
    item_id:
      description: The id of the catalogue item the order was placed for (its order item's C(itemId)); null when the record does not say.
      type: int
      sample: 964
    item_key_name:
      description: The keyName of the item the order was placed for; null when the record does not say.
      type: str
      sample: SSL_CERTIFICATE_RAPIDSSL_1_YEAR
receipt:
  description:
    - What was ordered (after C(placeOrder)) or, in check mode, what would be ordered (after C(verifyOrder)).
    - Null when the order was reconciled after an ambiguous C(placeOrder) failure.
  returned: when an order is placed, or would be in check mode
  type: dict
  contains:
    placed:
      description: False when the order was only verified (check mode).
      type: bool
      sample: true
    order_id:
      description: The billing order id (null in check mode).
      type: int
      sample: 31999001
    order_date:
      description: When the provider received the order.
      type: str
      sample: "2023-11-02T09:13:55-06:00"
    order_status:
      description: The billing order's status.
      type: str
      sample: PENDING_AUTO_APPROVAL
    package_id:
      description: The product package ordered from.
      type: int
      sample: 210
    currency:
      description: The currency of the amounts.
      type: str
      sample: USD
    validity_months:
      description: The certificate's validity, set by the provider from the item.
      type: int
      sample: 12
    ordered_items:
      description:
        - The ordered items with their prices (the receipt's C(prices); renamed so that Jinja can reach it with dot
          notation, as C(items) is a method of a dict there).
      type: list
      elements: dict
      contains:
        price_id:
          description: The id of the item's price (C(SoftLayer_Product_Item_Price)).
          type: int
          sample: 1836
        item_id:
          description: The catalogue item's id; null when the receipt does not name the item.
          type: int
          sample: 964
        item_key_name:
          description: The catalogue item's keyName; null when the receipt does not name the item.
          type: str
          sample: SSL_CERTIFICATE_RAPIDSSL_1_YEAR
        description:
          description: The catalogue item's description; null when the receipt does not name the item.
          type: str
          sample: RapidSSL - 1 year
        setup_fee:
          description: The one-time fee, as a decimal string.
          type: str
          sample: "19"
        recurring_fee:
          description: The recurring fee, as a decimal string.
          type: str
          sample: "0"
    totals:
      description: The order's totals, as decimal strings.
      type: dict
      contains:
        setup:
          description: The one-time total (after tax when the receipt says, else before tax).
          type: str
          sample: "19"
        recurring:
          description: The recurring total (after tax when the receipt says, else before tax).
          type: str
          sample: "0"
        prorated_total:
          description: The prorated total of the order.
          type: str
          sample: "19"
email_resent:
  description: The e-mail type resent (C(ApproverEmail) or C(FulfillmentEmail)); null in check mode before an order exists.
  returned: when O(resend_email) is set
  type: str
  sample: ApproverEmail
wait:
  description: How the wait went; on a failed or timed-out wait too.
  returned: when O(wait_for) is set and the order was not only predicted in check mode
  type: dict
  contains:
    elapsed:
      description: Seconds spent waiting.
      type: float
      sample: 7.3
    polls:
      description: Rounds of reads while waiting (the first read is not counted).
      type: int
      sample: 5
    history:
      description: One entry per status change of the order, the first one for the status the wait started from.
      type: list
      elements: dict
      contains:
        id:
          description: The certificate request id.
          type: int
          sample: 987654
        status:
          description: The status name the order was seen in (C(status id <id>) for an id the catalogue does not list).
          type: str
          sample: Pending CA Approval
        elapsed:
          description: Seconds into the wait when this status was first seen.
          type: float
          sample: 0.0
diff:
  description: The order before and after (see the diff_mode attribute).
  returned: in diff mode
  type: dict
  contains:
    before:
      description: The order before the task; null when there was none.
      type: dict
      sample: null
      contains: &diff_contains
        id:
          description: The certificate request id (null in check mode before the order is placed).
          type: int
          sample: 987654
        common_name:
          description: The certificate's common name.
          type: str
          sample: www.example.com
        status:
          description: The status name (null in check mode before the order is placed).
          type: str
          sample: Pending CA Approval
        order_id:
          description: The billing order id (null in check mode before the order is placed).
          type: int
          sample: 31999001
    after:
      description: The order after the task (in check mode, as predicted); null when there is none.
      type: dict
      sample: {"id": 987654, "common_name": "www.example.com", "status": "Pending CA Approval", "order_id": 31999001}
      # the same keys as before
      contains: *diff_contains
http_status:
  description: The HTTP status of the provider call that failed.
  returned: when a provider call fails
  type: int
  sample: 500
http_method:
  description: The method of the failed call.
  returned: when a provider call fails
  type: str
  sample: POST
http_url:
  description: The URL of the failed call (never with credentials).
  returned: when a provider call fails
  type: str
  sample: https://api.softlayer.com/rest/v3.1/SoftLayer_Product_Order/verifyOrder.json
provider_code:
  description: The provider's exception class.
  returned: when a provider call fails
  type: str
  sample: SoftLayer_Exception_Order
provider_message:
  description: The provider's error message.
  returned: when a provider call fails
  type: str
  sample: The approver e-mail address must be at the certificate's domain.
attempts:
  description: How many times the failed call was sent (reads are retried on transient failures).
  returned: when a provider call fails after retries
  type: int
  sample: 5
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certops.orders.plugins.module_utils._softlayer.provider import SoftLayerOrder, order_module_args
from ansible_collections.certops.orders.plugins.module_utils._runner import run_order


def main():
    run_order(AnsibleModule(**order_module_args()), SoftLayerOrder)


if __name__ == "__main__":
    main()
