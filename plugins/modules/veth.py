#!/usr/bin/python
# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: veth
short_description: Manage veth pairs whose ends live in any network namespaces
version_added: 0.1.0
description:
  - Creates a veth pair with one end (O(name)) in O(netns) and the other (O(peer)) in O(peer_netns), in one netlink
    request; the peer is created directly in its namespace, with no create-then-move window.
  - Either end, or both, may be in a non-host namespace.
  - An existing pair with the same ends is left alone; its MTU, MAC addresses, up/down state and master are corrected
    if they differ.
  - An interface called O(name) that is not a veth, or a veth whose peer is something else, is an error unless
    O(force=true), which deletes it and creates the pair.
author:
  - linuxnet.netns maintainers (@linuxnet)
extends_documentation_fragment:
  - linuxnet.netns.netns
  - linuxnet.netns.netns.NETNS_OPTION
options:
  name:
    description: Name of the first end, in O(netns). At most 15 bytes, no C(/), C(:) or whitespace.
    type: str
    required: true
  peer:
    description: Name of the other end, in O(peer_netns).
    type: str
    required: true
  peer_netns:
    description:
      - Namespace of the other end. Omitted, or an empty string, means the namespace the module runs in (the host's).
    type: str
  state:
    description:
      - V(present) creates or corrects the pair; V(absent) deletes it (deleting one end deletes both).
    type: str
    choices: [present, absent]
    default: present
  mtu:
    description: MTU of both ends. Left as the kernel chose when omitted.
    type: int
  mac:
    description: MAC address of the first end. Left as the kernel chose when omitted.
    type: str
  peer_mac:
    description: MAC address of the peer end.
    type: str
  up:
    description:
      - Whether both ends are up. With V(true), the loopback interface of each non-host namespace involved is brought
        up too (a new namespace starts with C(lo) down).
    type: bool
    default: true
  master:
    description:
      - A bridge in O(netns) to enslave the first end to (C(ip link set NAME master BRIDGE)).
      - An empty string releases the first end from any master. Omitted means leave as is.
    type: str
  force:
    description:
      - Delete an interface called O(name) that is not this pair (another kind, or a veth with another peer) and create
        the pair. Without it that situation is an error and nothing changes.
      - With O(state=absent), delete the veth O(name) even if its peer is not O(peer).
    type: bool
    default: false
notes:
  - Deleting the namespace of either end deletes the pair; the next run reports it absent and creates it again.
  - The kernel removes the other end of a deleted namespace's veth when it frees the namespace, asynchronously
    (seconds later when many namespaces are queued). A run that finds such an end still there, at the name it
    creates or with a pair it removes, waits up to 10 seconds for it to go.
seealso:
  - module: linuxnet.netns.netns
  - module: linuxnet.netns.address
  - module: linuxnet.netns.route
  - module: linuxnet.netns.link
  - module: linuxnet.netns.topology
  - name: veth(4)
    description: The virtual Ethernet device.
    link: https://man7.org/linux/man-pages/man4/veth.4.html
'''

EXAMPLES = r'''
- name: Host end veth-ns1 <-> eth0 inside ns1
  linuxnet.netns.veth:
    name: veth-ns1
    peer: eth0
    peer_netns: ns1

- name: A pair between two namespaces, both ends in non-host namespaces
  linuxnet.netns.veth:
    name: to-b
    netns: ns-a
    peer: to-a
    peer_netns: ns-b
    mtu: 9000

- name: Plug a namespace into a bridge that lives in a third namespace
  linuxnet.netns.veth:
    name: port-web
    netns: switch
    master: br0
    peer: eth0
    peer_netns: web

- name: Remove the pair
  linuxnet.netns.veth:
    name: veth-ns1
    peer: eth0
    peer_netns: ns1
    state: absent
'''

RETURN = r'''
name:
  description: Name of the first end.
  returned: always
  type: str
  sample: veth-ns1
netns:
  description: Namespace of the first end (V(null) for the host's).
  returned: always
  type: str
  sample: null
peer:
  description: Name of the peer end.
  returned: always
  type: str
  sample: eth0
peer_netns:
  description: Namespace of the peer end (V(null) for the host's).
  returned: always
  type: str
  sample: ns1
state:
  description: V(present) or V(absent) after the run (in check mode, what it would be).
  returned: always
  type: str
  sample: present
kind:
  description: Link kind of O(name), V(veth).
  returned: when present
  type: str
  sample: veth
mtu:
  description: MTU of the first end.
  returned: when present
  type: int
  sample: 1500
peer_mtu:
  description: MTU of the peer end.
  returned: when present
  type: int
  sample: 1500
mac:
  description: MAC address of the first end (V(null) in check mode for a pair not yet created without O(mac)).
  returned: when present
  type: str
  sample: 02:00:00:00:01:01
peer_mac:
  description: MAC address of the peer end.
  returned: when present
  type: str
  sample: 02:00:00:00:01:02
up:
  description: Whether the first end is up.
  returned: when present
  type: bool
  sample: true
peer_up:
  description: Whether the peer end is up.
  returned: when present
  type: bool
  sample: true
master:
  description: Name of the first end's master, or an empty string.
  returned: when present
  type: str
  sample: br0
lo_up:
  description: For each non-host namespace of the pair, whether its C(lo) is up.
  returned: when O(up=true) and an end is in a non-host namespace
  type: dict
  sample: {"ns1": true}
actions:
  description: What was done (or, in check mode, would be done), one sentence per step.
  returned: always
  type: list
  elements: str
  sample: ["create veth veth-ns1 in the host namespace <-> eth0 in netns 'ns1'", "set lo up in netns 'ns1'"]
failed_object:
  description:
    - On a failure while reading or changing the object, the object it concerns (a failure of the parameters'
      validation changes nothing and does not return it).
  returned: failure
  type: str
  sample: veth/veth-ns1
applied:
  description: On a failure while reading or changing the object, the steps already carried out (a re-run converges).
  returned: failure
  type: list
  elements: str
  sample: []
'''

from ansible_collections.linuxnet.netns.plugins.module_utils._argspec import VETH
from ansible_collections.linuxnet.netns.plugins.module_utils._veth import build
from ansible_collections.linuxnet.netns.plugins.module_utils._runner import run_module


def main():
    run_module(VETH, build)


if __name__ == '__main__':
    main()
