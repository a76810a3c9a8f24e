# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):
    # The organization and the contacts of a SoftLayer SSL order (private fragment). They are only
    # needed to place an order, and they are long, so they live here, apart from the options that
    # decide what the task does. The address and the contact are defined once (YAML anchors) and
    # reused, so the three contacts cannot drift apart from each other or from the argument spec
    # (plugins/module_utils/_softlayer/provider.py builds all three from one function too).
    DOCUMENTATION = r"""
options:
  organization:
    description:
      - The organization the certificate is issued to. Required to place an order.
      - The organization and the contacts of an order that exists are not compared with these options.
    type: dict
    suboptions:
      name:
        description: Organization name.
        type: str
        required: true
      phone:
        description: Phone number.
        type: str
        required: true
      fax:
        description: Fax number.
        type: str
      address:
        description: The organization's address.
        type: dict
        required: true
        suboptions: &address
          line1:
            description: First address line.
            type: str
            required: true
          line2:
            description: Second address line.
            type: str
          city:
            description: City.
            type: str
            required: true
          state:
            description: US state or Canadian province (use V(OT) elsewhere, with O(organization.address.non_us_state)).
            type: str
          non_us_state:
            description: Region outside the US and Canada.
            type: str
          postal_code:
            description: Postal code.
            type: str
            required: true
          country_code:
            description: Two-letter country code.
            type: str
            required: true
  technical_contact:
    description:
      - The technical contact. Required to place an order.
      - Without its own address, the organization's address is used.
      - O(administrative_contact) and O(billing_contact) take the same sub-options.
    type: dict
    suboptions: &contact
      first_name:
        description: First name.
        type: str
        required: true
      last_name:
        description: Last name.
        type: str
        required: true
      title:
        description: Job title.
        type: str
        required: true
      email:
        description: E-mail address.
        type: str
        required: true
      phone:
        description: Phone number.
        type: str
        required: true
      fax:
        description: Fax number.
        type: str
      organization_name:
        description: Organization name; defaults to O(organization.name).
        type: str
      address:
        description: Address; defaults to the organization's address.
        type: dict
        suboptions: *address
  administrative_contact:
    description:
      - The administrative contact; defaults to O(technical_contact) (with the organization's address when it has
        none), as the provider documents. Its sub-options are those of O(technical_contact).
    type: dict
    suboptions: *contact
  billing_contact:
    description:
      - The billing contact; defaults to O(technical_contact), like O(administrative_contact). Its sub-options are
        those of O(technical_contact).
    type: dict
    suboptions: *contact
"""
