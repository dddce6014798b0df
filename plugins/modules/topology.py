#!/usr/bin/python
# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: topology
short_description: Converge a whole host's namespaces, veths, links, addresses and routes in one task
version_added: 0.1.0
description:
  - Takes one declarative description of a host and converges it in one process, at close to the kernel's own
    speed, instead of one Ansible task (about 0.6 s each) per object.
  - Each item of O(namespaces), O(veths), O(links), O(addresses), O(routes), O(sysctls), O(etc_files) and
    O(firewalls) takes the options of the matching single-object module, is validated with that module's argument
    specification, and is converged by the same code. Errors name the item, for example C(veths[3].peer).
  - Work runs in dependency stages (namespaces, their sysctls and files, links, addresses, routes, firewalls; removals in the
    reverse order). Each stage reads the state of each namespace once per object type, plans every object, then
    applies the changes. Each namespace is opened once, by C(setns) in the module's own thread, never by forking.
  - Removing a namespace removes the links, addresses and routes inside it, and the veths with an end in it, without
    deleting them one by one. An item to remove inside a namespace the same run removes is checked by its argument
    specification only, neither parsed further nor read from the kernel (unless O(objects=true)); it goes with
    its namespace, and RV(summary) counts it as removed.
  - What the topology creates is recorded in an ownership file (O(state_dir)/O(name).json), written before each
    stage's changes so even an interrupted run knows what it may have made. O(purge=true) removes recorded objects
    that are no longer described, and never anything the topology did not create.
author:
  - linuxnet.netns maintainers (@linuxnet)
extends_documentation_fragment:
  - linuxnet.netns.netns
options:
  namespaces:
    description: Namespaces; each item takes the options of M(linuxnet.netns.netns).
    type: list
    elements: dict
    default: []
  veths:
    description: Veth pairs; each item takes the options of M(linuxnet.netns.veth).
    type: list
    elements: dict
    default: []
  links:
    description: Bridge, dummy, vlan, macvlan and vxlan links, and moves; each item takes the options of M(linuxnet.netns.link).
    type: list
    elements: dict
    default: []
  addresses:
    description:
      - Addresses; each item takes the options of M(linuxnet.netns.address).
      - Several items naming the same device are merged; an item's C(exclusive) then keeps every address described
        for that device.
    type: list
    elements: dict
    default: []
  routes:
    description:
      - Routes; each item takes the options of M(linuxnet.netns.route).
      - C(exclusive) on any item makes every route described for that namespace, table and family the only
        ones there (the kernel's own and link-scope routes are never touched).
    type: list
    elements: dict
    default: []
  sysctls:
    description:
      - C(net.*) sysctls of a namespace (or of the host's, with C(netns) omitted), as items with C(netns) and
        C(sysctls), a dictionary as in M(linuxnet.netns.netns).
      - The C(sysctls) of O(namespaces) items do the same; use this list for the host or to keep them apart.
    type: list
    elements: dict
    default: []
  etc_files:
    description: Files under C(/etc/netns/NAME/), as items with C(netns) and C(etc_files), as in M(linuxnet.netns.netns).
    type: list
    elements: dict
    default: []
  firewalls:
    description:
      - The nftables table of a namespace (or of the host's); each item takes the options of
        M(linuxnet.netns.firewall). Converged after the routes, so a port forward may point at an address this
        description adds.
    type: list
    elements: dict
    default: []
  state:
    description:
      - V(present) converges the description (items may still say C(state=absent) for single objects).
      - V(absent) removes every described object, the namespaces last (which takes their contents with them).
    type: str
    choices: [present, absent]
    default: present
  purge:
    description:
      - Remove what this topology (same O(name)) created in an earlier run and is no longer described.
      - Sysctls are never purged (their previous value is unknown); files under C(/etc/netns) are.
    type: bool
    default: false
  name:
    description: Name of this topology, for its ownership record. Several topologies with different names can share a host.
    type: str
    default: default
  state_dir:
    description: Directory of the ownership records.
    type: path
    default: /var/lib/linuxnet-netns
  persist_file:
    description:
      - Also write the validated, normalised description to this file, and install the boot-time applier in
        O(persist_lib), so the topology can be re-applied without Ansible, for example by a systemd unit at boot
        (the C(linuxnet.netns.topology) role sets that up).
      - The applier is this module's own core code, copied from the module's payload, so boot and Ansible runs
        converge with the same code. Run it as RV(applier_command).
      - A change of either counts as a change.
    type: path
  persist_lib:
    description: Where the boot-time applier is installed when O(persist_file) is given.
    type: path
    default: /usr/local/lib/linuxnet-netns
  objects:
    description:
      - Also return the state of every described object (RV(objects)), read back as the single-object modules
        return it.
      - Off by default, so that the result stays as small as what changed; a run over thousands of namespaces
        that changes nothing returns a few hundred bytes. For reading what exists, M(linuxnet.netns.netns_info)
        is the module made for it.
    type: bool
    default: false
notes:
  - The result is bounded by what changed (RV(summary), RV(changed_objects), RV(actions)); the module arguments
    are echoed in C(invocation) with each section's item count, not its items.
  - The benchmark in C(bench/) compares this module with C(ip -batch) and a bare pyroute2 process on the same machine.
seealso:
  - module: linuxnet.netns.netns_info
  - module: linuxnet.netns.netns
  - module: linuxnet.netns.veth
  - module: linuxnet.netns.link
  - module: linuxnet.netns.address
  - module: linuxnet.netns.route
'''

EXAMPLES = r'''
- name: Converge the topology described in inventory (group_vars/host_vars)
  linuxnet.netns.topology: "{{ host_topology }}"

- name: A small described topology
  linuxnet.netns.topology:
    name: lab
    purge: true
    namespaces:
      - name: router
        sysctls:
          net.ipv4.ip_forward: 1
      - name: web
      - name: db
    veths:
      - {name: r-web, netns: router, peer: eth0, peer_netns: web}
      - {name: r-db, netns: router, peer: eth0, peer_netns: db}
    addresses:
      - {netns: router, dev: r-web, address: 10.1.1.1/24}
      - {netns: router, dev: r-db, address: 10.1.2.1/24}
      - {netns: web, dev: eth0, address: 10.1.1.2/24}
      - {netns: db, dev: eth0, address: 10.1.2.2/24}
    routes:
      - {netns: web, gateway: 10.1.1.1}
      - {netns: db, gateway: 10.1.2.1}

- name: Tear it all down
  linuxnet.netns.topology:
    name: lab
    state: absent
    namespaces: [{name: router}, {name: web}, {name: db}]
'''

RETURN = r'''
actions:
  description: What was done (or, in check mode, would be done), one sentence per step, in order.
  returned: always
  type: list
  elements: str
  sample: ["create netns web", "create veth r-web in netns 'router' <-> eth0 in netns 'web'"]
summary:
  description: Per object kind, how many objects were created, changed, removed or left unchanged.
  returned: always
  type: dict
  sample: {"netns": {"created": 3, "changed": 0, "removed": 0, "unchanged": 0}}
changed_objects:
  description:
    - The objects this run changed (in check mode, would change), by key; diff mode adds their states before and
      after (RV(diff)). Objects removed together with their namespace are not listed one by one; RV(summary)
      counts them and the namespace's diff says how many of each kind went with it.
    - A removal by O(purge) of an object that shares its key with a described one (an address recorded on a
      device whose described addresses stay, a file in an C(/etc/netns) directory the description writes to) is
      named by its label, C(purge KEY), and the described one by its item, for example C(addresses[0]).
  returned: always
  type: list
  elements: str
  sample: ["netns/web", "veth/r-web@router"]
objects:
  description: With O(objects), the state of every object of the description, keyed by object.
  returned: when O(objects=true)
  type: dict
  sample: {"netns/web": {"name": "web", "path": "/run/netns/web", "state": "present", "nsid": 0, "pids": []}}
purged:
  description: Ownership keys of the objects removed by O(purge) (or by O(state=absent) from the record).
  returned: always
  type: list
  elements: str
  sample: ["netns/old", "veth/r-old@router"]
persisted:
  description: Whether O(persist_file) was written (or would be, in check mode).
  returned: when O(persist_file) is given
  type: bool
  sample: true
applier:
  description: Whether the boot-time applier in O(persist_lib) was written or updated (or would be, in check mode).
  returned: when O(persist_file) is given
  type: bool
  sample: false
applier_command:
  description: The command that re-applies the persisted topology.
  returned: when O(persist_file) is given
  type: str
  sample: /usr/local/lib/linuxnet-netns/linuxnet-netns-apply /etc/linuxnet-netns/default.json
stats:
  description: Time spent in the module, number of objects, and the module process's peak resident memory in KiB.
  returned: always
  type: dict
  sample: {"seconds": 1.92, "objects": 2000, "peak_rss_kb": 61234}
diff:
  description: In diff mode, the state before and after of every object that changed, keyed by object.
  returned: in diff mode
  type: dict
  sample: {"before": {"netns/web": {"state": "absent"}}, "after": {"netns/web": {"state": "present"}}}
failed_object:
  description: On failure, the object that failed (earlier stages and objects are already applied; a re-run converges).
  returned: failure
  type: str
  sample: route/0.0.0.0/0@web/table=254/metric=0
applied:
  description: On failure, the steps already carried out.
  returned: failure
  type: list
  elements: str
  sample: ["create netns web"]
'''

from ansible_collections.linuxnet.netns.plugins.module_utils._runner import run_topology


def main():
    run_topology()


if __name__ == '__main__':
    main()
