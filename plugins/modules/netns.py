#!/usr/bin/python
# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: netns
short_description: Manage named network namespaces like C(ip netns add/del/set)
version_added: 0.1.0
description:
  - Creates and deletes named network namespaces under C(/run/netns), exactly as C(ip netns add) and
    C(ip netns del) do, so C(ip netns list) and C(ip netns exec) see them.
  - Creation takes a lock on C(/run/netns), makes it a shared mount point the first time, creates the entry
    with C(O_CREAT|O_EXCL) and removes it again if the bind mount fails, so nothing is left half-made.
  - Optionally assigns the namespace id (C(ip netns set)), sets C(net.*) sysctls inside the namespace and
    manages the files under C(/etc/netns/NAME/) that C(ip netns exec) bind-mounts over C(/etc).
  - The namespace is compared by what is under C(/run/netns), never by a substring of C(ip netns list) output.
author:
  - linuxnet.netns maintainers (@linuxnet)
extends_documentation_fragment:
  - linuxnet.netns.netns
options:
  name:
    description:
      - Name of the namespace, a file name directly under C(/run/netns).
      - Must not be empty, C(.) or C(..), contain C(/), or be longer than 255 bytes (the rules of iproute2).
    type: str
    required: true
  state:
    description:
      - V(present) creates the namespace if it does not exist.
      - V(absent) removes the name (unmounting it, or unlinking a symlink entry without following it) and
        the directory C(/etc/netns/NAME). Processes still inside keep the namespace alive; their pids are returned.
    type: str
    choices: [present, absent]
    default: present
  nsid:
    description:
      - The id the host namespace gives this namespace (C(ip netns set NAME NSID)), shown by C(ip netns list).
      - Set only when the namespace has no id yet. The kernel never changes an assigned id, so asking for a
        different one fails with a clear message; the kernel assigns ids on its own once a veth crosses into the
        namespace, so set it when creating.
      - Ignored when O(state=absent).
    type: int
  sysctls:
    description:
      - C(net.*) sysctls to set inside the namespace, for example V(net.ipv4.ip_forward=1).
      - Keys use dots (C(net.ipv4.conf.all.forwarding)) or slashes (C(net/ipv4/conf/eth0.100/forwarding)).
      - Only C(net.*) keys are accepted, because every other key would change the whole host.
      - Values are compared the way the kernel prints them back (whitespace collapsed). Only listed keys are managed.
      - Ignored when O(state=absent).
    type: dict
  etc_files:
    description:
      - Files under C(/etc/netns/NAME/), keyed by file name (for example C(resolv.conf), C(hosts)), with their content.
        C(ip netns exec) bind-mounts each one over the file of the same name in C(/etc).
      - A value of V(null) removes that file. Files not listed are left alone.
      - The whole directory is removed with the namespace on O(state=absent).
    type: dict
notes:
  - Deleting a namespace also deletes the veth ends inside it (and so their peers), which is much faster than
    deleting each link first.
seealso:
  - module: linuxnet.netns.veth
  - module: linuxnet.netns.netns_info
  - module: linuxnet.netns.attach
  - module: linuxnet.netns.topology
  - name: ip-netns(8)
    description: The iproute2 command whose semantics this module follows.
    link: https://man7.org/linux/man-pages/man8/ip-netns.8.html
'''

EXAMPLES = r'''
- name: Create a namespace (ip netns add ns1)
  linuxnet.netns.netns:
    name: ns1

- name: A router namespace with a fixed id, forwarding on and its own resolv.conf
  linuxnet.netns.netns:
    name: router
    nsid: 10
    sysctls:
      net.ipv4.ip_forward: 1
      net.ipv6.conf.all.forwarding: 1
    etc_files:
      resolv.conf: |
        nameserver 10.0.0.53

- name: Delete a namespace (ip netns del ns1)
  linuxnet.netns.netns:
    name: ns1
    state: absent
  register: gone

- name: Say which processes still hold it
  ansible.builtin.debug:
    msg: "still inside: {{ gone.pids }}"
  when: gone.pids | length > 0
'''

RETURN = r'''
name:
  description: Name of the namespace.
  returned: always
  type: str
  sample: ns1
path:
  description: Path of the namespace entry.
  returned: always
  type: str
  sample: /run/netns/ns1
state:
  description: State of the entry after the run (V(present) or V(absent)); in check mode, the state it would have.
  returned: always
  type: str
  sample: present
nsid:
  description: The id the host namespace has for this namespace, or V(null) if none is assigned.
  returned: always
  type: int
  sample: 10
symlink:
  description: Target of the entry when it is a symlink (for example one made by M(linuxnet.netns.attach)).
  returned: when the entry is a symlink
  type: str
  sample: /proc/4242/ns/net
pids:
  description:
    - Processes whose network namespace is this one.
    - With O(state=absent), the processes that were still inside when the name was removed; they keep the
      namespace (and its interfaces) alive until they exit.
  returned: always
  type: list
  elements: int
  sample: [4242]
sysctls:
  description: The managed sysctls and their values after the run.
  returned: when O(sysctls) is given and O(state=present)
  type: dict
  sample: {"net.ipv4.ip_forward": "1"}
etc_files:
  description: The managed files under C(/etc/netns/NAME/) and their content after the run (V(null) = absent).
  returned: when O(etc_files) is given and O(state=present)
  type: dict
  sample: {"resolv.conf": "nameserver 10.0.0.53\n"}
actions:
  description: What was done (or, in check mode, would be done), one sentence per step.
  returned: always
  type: list
  elements: str
  sample: ["create netns ns1 with nsid 10", "set net.ipv4.ip_forward = 1 in netns 'ns1'"]
failed_object:
  description:
    - On a failure while reading or changing the object, the object it concerns (a failure of the parameters'
      validation changes nothing and does not return it).
  returned: failure
  type: str
  sample: netns/ns1
applied:
  description: On a failure while reading or changing the object, the steps already carried out (a re-run converges).
  returned: failure
  type: list
  elements: str
  sample: ["create netns ns1"]
'''

from ansible_collections.linuxnet.netns.plugins.module_utils._argspec import NETNS
from ansible_collections.linuxnet.netns.plugins.module_utils._netns import build_namespaces
from ansible_collections.linuxnet.netns.plugins.module_utils._runner import run_module


def main():
    run_module(NETNS, build_namespaces)


if __name__ == '__main__':
    main()
