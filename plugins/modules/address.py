#!/usr/bin/python
# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: address
short_description: Manage IPv4 and IPv6 addresses on a device in any network namespace
version_added: 0.1.0
description:
  - Adds or removes addresses on one device, in a named namespace or the host's.
  - Addresses are compared as normalised address and prefix length (C(fd00:0::0001/64) is C(fd00::1/64)), never as
    strings.
  - With O(exclusive=true), every other address of the same family (IPv4, IPv6) as the listed ones is removed from the
    device, except IPv6 link-local addresses (C(fe80::/10)) unless listed.
  - Removing an IPv4 primary address makes the kernel remove the secondary addresses of its subnet with it (unless
    C(net.ipv4.conf.DEV.promote_secondaries) is set); the module adds back those it keeps, and says so in RV(actions).
author:
  - linuxnet.netns maintainers (@linuxnet)
extends_documentation_fragment:
  - linuxnet.netns.netns
  - linuxnet.netns.netns.NETNS_OPTION
options:
  dev:
    description: The device. It must exist (with O(state=absent), a missing device means nothing to remove).
    type: str
    required: true
  address:
    description:
      - One address or a list, each with its prefix length, for example C(10.0.0.1/24) or C(fd00::1/64).
      - A bare address without prefix length is refused, because guessing C(/32) or C(/128) silently gives the host
        no connected route; write C(/32) or C(/128) for a single-host address.
    type: list
    elements: str
    required: true
    aliases: [addresses]
  state:
    description: V(present) adds the listed addresses; V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), remove every other address of the listed families from the device (IPv6 link-local
        addresses are kept unless listed).
    type: bool
    default: false
  nodad:
    description:
      - Add IPv6 addresses without duplicate address detection (C(nodad)), so they are usable at once instead of
        staying tentative for about two seconds. Set V(false) on networks shared with hosts you do not control.
    type: bool
    default: true
seealso:
  - module: linuxnet.netns.veth
  - module: linuxnet.netns.route
  - module: linuxnet.netns.topology
  - name: ip-address(8)
    description: The iproute2 command for addresses.
    link: https://man7.org/linux/man-pages/man8/ip-address.8.html
'''

EXAMPLES = r'''
- name: Address the namespace end of a veth
  linuxnet.netns.address:
    netns: ns1
    dev: eth0
    address:
      - 10.200.1.2/30
      - fd00:200:1::2/64

- name: The only IPv4 address on the host end
  linuxnet.netns.address:
    dev: veth-ns1
    address: 10.200.1.1/30
    exclusive: true

- name: Remove an address
  linuxnet.netns.address:
    netns: ns1
    dev: eth0
    address: fd00:200:1::2/64
    state: absent
'''

RETURN = r'''
dev:
  description: The device.
  returned: always
  type: str
  sample: eth0
netns:
  description: Namespace of the device (V(null) for the host's).
  returned: always
  type: str
  sample: ns1
state:
  description: V(present) if the device exists, V(absent) if it does not.
  returned: always
  type: str
  sample: present
addresses:
  description:
    - Every address of the device after the run, both families, sorted.
    - IPv6 link-local addresses are left out unless listed in O(address); the kernel adds them by itself when a link
      comes up, a moment later, so showing them would make the diff depend on timing. The same goes for the
      C(127.0.0.1/8) and C(::1/128) the kernel gives C(lo).
  returned: always
  type: list
  elements: str
  sample: ["10.200.1.2/30", "fd00:200:1::2/64"]
actions:
  description: What was done (or, in check mode, would be done), one sentence per step.
  returned: always
  type: list
  elements: str
  sample: ["add 10.200.1.2/30 to eth0 in netns 'ns1'"]
failed_object:
  description:
    - On a failure while reading or changing the object, the object it concerns (a failure of the parameters'
      validation changes nothing and does not return it).
  returned: failure
  type: str
  sample: address/eth0@ns1
applied:
  description: On a failure while reading or changing the object, the steps already carried out (a re-run converges).
  returned: failure
  type: list
  elements: str
  sample: []
'''

from ansible_collections.linuxnet.netns.plugins.module_utils._address import build
from ansible_collections.linuxnet.netns.plugins.module_utils._argspec import ADDRESS
from ansible_collections.linuxnet.netns.plugins.module_utils._runner import run_module


def main():
    run_module(ADDRESS, build)


if __name__ == '__main__':
    main()
