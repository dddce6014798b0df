#!/usr/bin/python
# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: link
short_description: Manage bridge, dummy, vlan, macvlan and vxlan links in any namespace, or move a link into one
version_added: 0.1.0
description:
  - Creates, corrects and deletes links of the kinds O(kind) lists, inside a named namespace or the host's.
  - Moves an existing interface (a physical NIC, a leftover veth end) into O(netns) with O(move_from), idempotently.
  - MTU, MAC address, up/down (V(false) is applied too) and master are corrected in place. Kind options the kernel
    fixes at creation (O(vlan_id), O(vxlan_id), O(local), O(remote), O(group), O(dstport), O(link), O(macvlan_mode))
    differing is an error unless O(force=true), which re-creates the link.
  - A kind this kernel does not have (no module built or loadable) fails with a message naming the kind.
author:
  - linuxnet.netns maintainers (@linuxnet)
extends_documentation_fragment:
  - linuxnet.netns.netns
  - linuxnet.netns.netns.NETNS_OPTION
options:
  name:
    description: Name of the link. At most 15 bytes, no C(/), C(:) or whitespace.
    type: str
    required: true
  kind:
    description:
      - Kind of link. Required unless O(move_from) is given (then, if given, the moved link must be of this kind).
    type: str
    choices: [bridge, dummy, vlan, macvlan, vxlan]
  state:
    description: V(present) creates, moves or corrects the link; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  mtu:
    description: MTU. Left as the kernel chose when omitted.
    type: int
  mac:
    description: MAC address. Left as the kernel chose when omitted.
    type: str
  up:
    description: Whether the link is up. V(false) brings it down.
    type: bool
    default: true
  master:
    description: A bridge in the same namespace to enslave the link to; an empty string releases it. Omitted leaves it.
    type: str
  force:
    description:
      - Re-create the link when its kind or a creation-time option differs (its addresses are lost).
      - With O(state=absent), delete a device that has no link kind (a physical NIC) when O(kind) is omitted.
    type: bool
    default: false
  move_from:
    description:
      - Move the existing interface O(name) from this namespace into O(netns). An empty string is the host's namespace.
      - If O(name) is already in O(netns), nothing is moved; if it is in neither, the module fails.
      - The kernel brings a moved link down and drops its addresses; O(up) is applied after the move.
    type: str
  link:
    description:
      - The parent interface, in the same namespace, for V(vlan) and V(macvlan) (required) and V(vxlan) (optional, the
        underlay device).
    type: str
  vlan_id:
    description: VLAN id (1-4094), required for O(kind=vlan).
    type: int
  macvlan_mode:
    description: Mode of a macvlan link; V(bridge) when omitted.
    type: str
    choices: [private, vepa, bridge, passthru, source]
  vxlan_id:
    description: VXLAN network identifier (VNI), required for O(kind=vxlan).
    type: int
  local:
    description: Source IP address of a vxlan's UDP packets.
    type: str
  remote:
    description: Unicast IP address of the other vxlan endpoint. Mutually exclusive with O(group).
    type: str
  group:
    description: Multicast group of a vxlan. Mutually exclusive with O(remote).
    type: str
  remotes:
    description:
      - Unicast underlay addresses a V(vxlan) floods broadcast and unknown traffic to (head-end replication, as
        C(bridge fdb append 00:00:00:00:00:00 dst ADDRESS dev NAME) does), for an overlay of more than two hosts
        without multicast.
      - The list is exact; flood destinations not listed are removed. O(local) is skipped if listed, so every host of a
        fleet can be given the same list. Cannot be combined with O(remote) or O(group).
      - These entries can change without re-creating the link.
    type: list
    elements: str
  dstport:
    description:
      - UDP destination port of a vxlan. Defaults to the IANA port 4789 (the kernel's own default is the legacy 8472,
        which other VXLAN implementations do not speak).
    type: int
notes:
  - The kernel this collection is tested on has veth, bridge, vxlan and macvlan links, but not dummy or vlan; those are
    exercised only through their clear "kind not available" error there.
seealso:
  - module: linuxnet.netns.veth
  - module: linuxnet.netns.address
  - module: linuxnet.netns.topology
  - name: ip-link(8)
    description: The iproute2 command for links.
    link: https://man7.org/linux/man-pages/man8/ip-link.8.html
'''

EXAMPLES = r'''
- name: A bridge inside a "switch" namespace
  linuxnet.netns.link:
    name: br0
    kind: bridge
    netns: switch

- name: A VXLAN overlay endpoint towards another host, enslaved to the bridge
  linuxnet.netns.link:
    name: vx100
    kind: vxlan
    netns: switch
    vxlan_id: 100
    local: 192.0.2.11
    remote: 192.0.2.12
    master: br0

- name: Move a physical NIC into a namespace
  linuxnet.netns.link:
    name: enp3s0
    netns: dataplane
    move_from: ""

- name: Take a bridge down without deleting it
  linuxnet.netns.link:
    name: br0
    kind: bridge
    netns: switch
    up: false
'''

RETURN = r'''
name:
  description: Name of the link.
  returned: always
  type: str
  sample: br0
netns:
  description: Namespace of the link (V(null) for the host's).
  returned: always
  type: str
  sample: switch
state:
  description: V(present) or V(absent) after the run (in check mode, what it would be).
  returned: always
  type: str
  sample: present
kind:
  description: Link kind (V(null) for a device without one, like a physical NIC).
  returned: when present
  type: str
  sample: bridge
mtu:
  description: MTU.
  returned: when present
  type: int
  sample: 1500
mac:
  description: MAC address.
  returned: when present
  type: str
  sample: 02:00:00:00:00:10
up:
  description: Whether the link is up.
  returned: when present
  type: bool
  sample: true
master:
  description: Name of the master, or an empty string.
  returned: when present
  type: str
  sample: ""
link:
  description: Parent interface of a vlan, macvlan or vxlan link.
  returned: when present and the kind has one
  type: str
  sample: eth0
vlan_id:
  description: VLAN id.
  returned: when O(kind=vlan)
  type: int
  sample: 100
macvlan_mode:
  description: Macvlan mode.
  returned: when O(kind=macvlan)
  type: str
  sample: bridge
vxlan_id:
  description: VXLAN network identifier.
  returned: when O(kind=vxlan)
  type: int
  sample: 100
local:
  description: Local vxlan endpoint address.
  returned: when O(kind=vxlan)
  type: str
  sample: 192.0.2.11
remote:
  description: Remote unicast vxlan endpoint.
  returned: when O(kind=vxlan)
  type: str
  sample: 192.0.2.12
group:
  description: Multicast group of the vxlan.
  returned: when O(kind=vxlan)
  type: str
  sample: null
dstport:
  description: UDP destination port of the vxlan.
  returned: when O(kind=vxlan)
  type: int
  sample: 4789
remotes:
  description: Flood destinations of the vxlan (its all-zeros forwarding entries).
  returned: when O(remotes) is given
  type: list
  elements: str
  sample: ["192.0.2.12", "192.0.2.13"]
actions:
  description: What was done (or, in check mode, would be done), one sentence per step.
  returned: always
  type: list
  elements: str
  sample: ["create bridge br0 in netns 'switch'", "set br0 in netns 'switch' up"]
failed_object:
  description:
    - On a failure while reading or changing the object, the object it concerns (a failure of the parameters'
      validation changes nothing and does not return it).
  returned: failure
  type: str
  sample: link/br0@switch
applied:
  description: On a failure while reading or changing the object, the steps already carried out (a re-run converges).
  returned: failure
  type: list
  elements: str
  sample: ["create bridge br0 in netns 'switch'"]
'''

from ansible_collections.linuxnet.netns.plugins.module_utils._argspec import LINK
from ansible_collections.linuxnet.netns.plugins.module_utils._link import build
from ansible_collections.linuxnet.netns.plugins.module_utils._runner import run_module


def main():
    run_module(LINK, build)


if __name__ == '__main__':
    main()
