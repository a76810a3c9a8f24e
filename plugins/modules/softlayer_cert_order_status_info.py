#!/usr/bin/python
# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: softlayer_cert_order_status_info
short_description: Read SoftLayer SSL certificate orders and wait for their status
version_added: 1.0.0
description:
  - Reads SSL certificate requests (orders) of an IBM Cloud Classic Infrastructure (SoftLayer)
    account, with their status names resolved through the provider's status catalogue.
  - Selects orders by id, by a list of ids (read concurrently), by common name, or every order of
    the account, optionally filtered by status names.
  - With O(wait_for), waits until every selected order reaches one of the given statuses, one of
    them reaches a status in O(fail_on), or O(wait_timeout) runs out.
  - Always returns the status catalogue (RV(statuses)).
  - With O(expiring_within_days), selects only the orders whose certificate expires within that many
    days, on top of the other selectors.
author:
  - certops.orders contributors (@certops)
requirements:
  - requests >= 2.25
  - pydantic >= 2
extends_documentation_fragment:
  - certops.orders._softlayer
  - certops.orders._transport
  - certops.orders._wait
  - certops.orders._wait.info
  - certops.orders._lifecycle
  - certops.orders._attributes
  - certops.orders._attributes.info_module
  - certops.orders._attributes.actiongroup_softlayer
options:
  order_id:
    description:
      - The id of one certificate request (C(SoftLayer_Security_Certificate_Request.id)), as
        returned in RV(orders[].id).
      - This is not the billing order id (RV(orders[].order_id)).
      - Mutually exclusive with O(order_ids), O(common_name) and O(status).
    type: int
  order_ids:
    description:
      - Several certificate request ids, read concurrently (at most 8 at a time). An id listed twice
        is read and returned once; an empty list selects no order.
      - Waiting polls all of them with one list call per round.
      - Mutually exclusive with O(order_id), O(common_name) and O(status).
    type: list
    elements: int
  common_name:
    description:
      - Select every order of the account for this common name, compared without regard to case (DNS names are case-insensitive).
      - Without O(order_id), O(order_ids) and O(common_name), every order of the account is selected.
    type: str
  status:
    description:
      - Only select orders in one of these statuses (names from RV(statuses), for example
        V(Pending CA Approval)).
      - Applies to a selection by O(common_name) or to the whole account.
    type: list
    elements: str
notes:
  - Status ids are never hard-coded; every run reads the catalogue with
    C(SoftLayer_Security_Certificate_Request_Status::getSslRequestStatuses) and matches names.
  - The default O(fail_on) is V(Canceled), which is also how a rejection by the CA shows.
  - "Along the lifecycle (V(Pending CA Approval), V(Approved), V(Complete)), a status the order has passed
    satisfies O(wait_for): waiting for V(Approved) is also satisfied by V(Complete), unless O(wait_match=exact).
    The phases (C(action_required), C(issued), C(canceled)) are accepted too. See the waiting guide."
  - "Phases: V(Pending CA Approval) is C(action_required) (the approver must answer the CA's e-mail),
    V(Approved) and V(Complete) are C(issued), V(Canceled) is C(canceled)."
  - "O(expiring_within_days) narrows the list at the provider with an objectFilter on
    C(expirationDate) (C(lessThanDate), in the form softlayer-python sends), and then decides after
    reading, with the collection's own arithmetic, which orders expire within the window. The
    provider's filter is given a day more than the window, rounded up to midnight UTC, because how
    SoftLayer compares dates (by day, in its US Central time) is not documented: it only saves reading
    orders that expire much later, and the exact choice never depends on it (a provider that ignores
    the filter still gets the right answer). Orders selected by O(order_id) or O(order_ids) are read,
    then filtered."
seealso:
  - module: certops.orders.softlayer_cert_order
  - ref: ansible_collections.certops.orders.docsite.guide_softlayer
    description: Ordering from SoftLayer.
  - ref: ansible_collections.certops.orders.docsite.guide_waiting
    description: Waiting for certificate orders.
  - ref: ansible_collections.certops.orders.docsite.guide_renewal
    description: Renewing the certificates that expire soon, at both providers.
"""

EXAMPLES = r"""
- name: Read one order (credentials from SL_USERNAME / SL_API_KEY)
  certops.orders.softlayer_cert_order_status_info:
    order_id: 987654
  register: www_status

- name: Order certificates for several names
  certops.orders.softlayer_cert_order:
    common_name: "{{ item }}"
    csr: "{{ lookup('ansible.builtin.file', item ~ '.csr') }}"
    item_key_name: SSL_CERTIFICATE_RAPIDSSL_1_YEAR
    server_type: nginx
    approver_email: admin@example.com
    organization: "{{ org }}"
    technical_contact: "{{ ops_contact }}"
  loop: [api.example.com, shop.example.com]
  register: placed

- name: Wait until the CA approved all of them
  certops.orders.softlayer_cert_order_status_info:
    order_ids: "{{ placed.results | map(attribute='order.id') | list }}"
    wait_for: [Approved]
    wait_timeout: 3600
  register: approved

- name: List the orders still waiting for the approver's e-mail
  certops.orders.softlayer_cert_order_status_info:
    status: [Pending CA Approval]
  register: pending

- name: Certificates that expire within 30 days (expired ones too), to renew them
  certops.orders.softlayer_cert_order_status_info:
    expiring_within_days: 30
    status: [Approved, Complete]
  register: expiring

- name: Orders for one name, with credentials from a vault
  certops.orders.softlayer_cert_order_status_info:
    username: "{{ vault_sl_username }}"
    api_key: "{{ vault_sl_api_key }}"
    common_name: www.example.com
  register: www_orders
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
orders:
  description:
    - The selected certificate requests, in the order of O(order_ids), or by id.
    - On a failed or timed-out wait, the last-seen state of each order.
  returned: success, and when a wait fails
  type: list
  elements: dict
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
      description: The status name (null for a status id the catalogue does not list; the task warns).
      type: str
      sample: Approved
    status_id:
      description: The status id.
      type: int
      sample: 43
    phase:
      description: The provider-neutral phase, one of C(action_required), C(issued), C(canceled).
      type: str
      sample: issued
    cancelable:
      description: Whether the order can still be canceled (only in V(Pending CA Approval)).
      type: bool
      sample: false
    approver_email:
      description: The address that approves the order.
      type: str
      sample: admin@example.com
    technical_contact_email:
      description: The technical contact's address.
      type: str
      sample: ops@example.com
    order_id:
      description: The billing order id (from the C(placeOrder) receipt).
      type: int
      sample: 31999001
    create_date:
      description: When the request was created (ISO 8601 with offset).
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
        - Whole days from the time the task ran until RV(orders[].expiration_date), rounded down
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
wait:
  description: How the wait went; on a failed or timed-out wait too.
  returned: when O(wait_for) is set and an order is selected
  type: dict
  contains:
    elapsed:
      description: Seconds spent waiting.
      type: float
      sample: 12.5
    polls:
      description: Rounds of reads while waiting (the first read is not counted).
      type: int
      sample: 6
    history:
      description: One entry per status change of each order, the first one for the status the wait started from.
      type: list
      elements: dict
      sample: [{"id": 987654, "status": "Pending CA Approval", "elapsed": 0.0}, {"id": 987654, "status": "Approved", "elapsed": 11.2}]
      contains:
        id:
          description: The certificate request id.
          type: int
          sample: 987654
        status:
          description: The status name the order was seen in (C(status id <id>) for an id the catalogue does not list).
          type: str
          sample: Approved
        elapsed:
          description: Seconds into the wait when this status was first seen.
          type: float
          sample: 11.2
http_status:
  description: The HTTP status of the provider call that failed.
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
  sample: https://api.softlayer.com/rest/v3.1/SoftLayer_Security_Certificate_Request/42/getObject.json
provider_code:
  description: The provider's exception class.
  returned: when a provider call fails
  type: str
  sample: SoftLayer_Exception_ObjectNotFound
provider_message:
  description: The provider's error message.
  returned: when a provider call fails
  type: str
  sample: Unable to find object with id of '42'.
attempts:
  description: How many times the failed call was sent (reads are retried on transient failures).
  returned: when a provider call fails after retries
  type: int
  sample: 5
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certops.orders.plugins.module_utils._softlayer.provider import SoftLayerInfo, info_module_args
from ansible_collections.certops.orders.plugins.module_utils._runner import run_info


def main():
    run_info(AnsibleModule(**info_module_args()), SoftLayerInfo)


if __name__ == "__main__":
    main()
