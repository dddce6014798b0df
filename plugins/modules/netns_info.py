#!/usr/bin/python
# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: netns_info
short_description: List network namespaces, and with details their links, addresses and routes
version_added: 0.1.0
description:
  - Lists every entry under C(/run/netns) (what C(ip netns list) shows), whether it is live or stale, its nsid and
    the pids of the processes inside.
  - Optionally also lists other directories of namespace files, such as Docker's C(/var/run/docker/netns), whose
    entries C(ip netns list) does not show.
  - With O(details=true), adds each namespace's links (kind, veth peer and its namespace, state, MTU, MAC, master),
    addresses and routes, and returns the whole as RV(topology), in the shape of the M(linuxnet.netns.topology)
    module's options, so it can be fed back (a converged topology read back this way is unchanged).
author:
  - linuxnet.netns maintainers (@linuxnet)
extends_documentation_fragment:
  - linuxnet.netns.netns.INFO_MODULE
  - linuxnet.netns.netns
options:
  names:
    description: Only these namespaces. All of them when omitted.
    type: list
    elements: str
  details:
    description: Also read each namespace's links, addresses and routes, and return RV(topology).
    type: bool
    default: false
  extra_dirs:
    description:
      - Other directories of namespace files to list, for example V(/var/run/docker/netns). A directory that does not
        exist lists nothing.
    type: list
    elements: path
    default: []
notes:
  - The veth peers of namespaces are matched by their interface indexes across all namespaces, and the kernel is asked
    for namespace identities only when that is ambiguous, so listing hundreds of namespaces stays fast.
seealso:
  - module: linuxnet.netns.topology
  - module: linuxnet.netns.netns
  - module: linuxnet.netns.attach
'''

EXAMPLES = r'''
- name: What ip netns list would show, with pids and nsids
  linuxnet.netns.netns_info:
  register: info

- name: Stale entries (a symlink to a dead process's namespace, an unmounted entry)
  ansible.builtin.debug:
    msg: "{{ info.namespaces | selectattr('state', 'ne', 'live') | map(attribute='name') | list }}"

- name: Everything about two namespaces, and Docker's namespaces too
  linuxnet.netns.netns_info:
    names: [ns1, ns2]
    details: true
    extra_dirs: [/var/run/docker/netns]
  register: details

- name: Re-apply what exists on another host
  linuxnet.netns.topology: "{{ details.topology }}"
  delegate_to: standby
'''

RETURN = r'''
namespaces:
  description: One item per entry under C(/run/netns).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Entry name.
      type: str
      sample: ns1
    path:
      description: Entry path.
      type: str
      sample: /run/netns/ns1
    state:
      description: V(live) (a namespace), V(stale) (a dangling symlink or an entry with nothing mounted) or V(invalid).
      type: str
      sample: live
    method:
      description: V(bind) (a bind mount, as C(ip netns add) makes) or V(symlink).
      type: str
      sample: bind
    symlink:
      description: Target of a symlink entry.
      type: str
      returned: when the entry is a symlink
      sample: /proc/4242/ns/net
    problem:
      description: Why the entry is not live.
      type: str
      returned: when not live
      sample: a symlink to /proc/4242/ns/net, which no longer exists
    netns_inode:
      description: Inode of the namespace (what C(stat -L) shows; equal inodes are the same namespace).
      type: int
      returned: when live
      sample: 4026532300
    nsid:
      description: The id the host namespace has for it, or V(null).
      type: int
      sample: 0
    pids:
      description: Processes inside.
      type: list
      elements: int
      sample: [4242]
    links:
      description: With O(details), its links (name, kind, mtu, mac, up, master, and for veths peer and peer_netns).
      type: list
      elements: dict
      returned: with O(details=true)
      sample: [{"name": "eth0", "kind": "veth", "mtu": 1500, "mac": "02:00:00:00:00:02", "up": true, "master": "",
                "peer": "veth-ns1", "peer_netns": null}]
    addresses:
      description: With O(details), addresses by device, without link-local and C(lo)'s own.
      type: dict
      returned: with O(details=true)
      sample: {"eth0": ["10.200.1.2/24"]}
    routes:
      description: With O(details), the routes M(linuxnet.netns.route) manages (not the kernel's own), in its option shape.
      type: list
      elements: dict
      returned: with O(details=true)
      sample: [{"dst": "default", "netns": "ns1", "gateway": "10.200.1.1", "dev": "eth0"}]
extra:
  description: Entries of O(extra_dirs), each with O(extra_dirs) item as C(dir), and name, path, state, pids.
  returned: always
  type: list
  elements: dict
  sample: [{"dir": "/var/run/docker/netns", "name": "b63ec59b3d9e", "state": "live", "pids": [31817]}]
topology:
  description:
    - With O(details=true), what exists as options of M(linuxnet.netns.topology) (namespaces, veths with an end in a
      listed namespace, links, addresses including those of host veth ends, routes, and the nftables tables
      M(linuxnet.netns.firewall) manages, as C(firewalls) items).
    - Veths whose peer is in a namespace without a name here (a container's) are left out.
  returned: with O(details=true)
  type: dict
  sample: {"namespaces": [{"name": "ns1"}], "veths": [{"name": "veth-ns1", "peer": "eth0", "peer_netns": "ns1", "up": true}],
           "links": [], "addresses": [{"dev": "eth0", "netns": "ns1", "address": ["10.200.1.2/24"]}], "routes": []}
'''

from ansible_collections.linuxnet.netns.plugins.module_utils._argspec import NETNS_INFO
from ansible_collections.linuxnet.netns.plugins.module_utils._runner import run_info


def main():
    run_info(NETNS_INFO)


if __name__ == '__main__':
    main()
