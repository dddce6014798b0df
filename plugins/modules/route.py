#!/usr/bin/python
# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: route
short_description: Manage IPv4 and IPv6 routes in any network namespace
version_added: 0.1.0
description:
  - Adds, replaces and deletes one route, in a named namespace or the host's.
  - A route is identified as the kernel identifies it, by family, destination, table, metric and TOS. If the
    gateway, device, source, scope, type or on-link flag differ, the route is replaced atomically and that is
    reported as a change with before and after.
  - A gateway that no address or link route of the namespace can reach is refused before anything changes, with the
    gateway named.
  - With O(exclusive=true), every other route of the same table and family is removed, except the kernel's own
    (C(proto kernel), router advertisements, redirects) and link-scope routes, which are never touched.
author:
  - linuxnet.netns maintainers (@linuxnet)
extends_documentation_fragment:
  - linuxnet.netns.netns
  - linuxnet.netns.netns.NETNS_OPTION
options:
  dst:
    description:
      - Destination, as a CIDR (C(10.1.0.0/16), C(fd00:1::/48)), a single address (a host route, as C(ip route) reads
        it) or V(default).
      - V(default) is IPv4 (C(0.0.0.0/0)) unless O(gateway) or O(src) is IPv6; write C(::/0) for an IPv6 default route
        without gateway.
      - Host bits must be zero (C(10.1.2.3/16) is refused with the network suggested).
    type: str
    default: default
  gateway:
    description: Next hop. Must be reachable from a connected subnet of the namespace (or on O(dev) if given) unless O(onlink).
    type: str
    aliases: [via]
  dev:
    description: Output device. Required for an IPv6 link-local gateway and with O(onlink).
    type: str
  metric:
    description:
      - Route metric (priority), part of the route's identity. Omitted means the kernel's default, 0 for IPv4 and 1024
        for IPv6, so that is the route matched.
    type: int
  table:
    description: Route table, as a number or a name from C(/etc/iproute2/rt_tables) (and C(rt_tables.d)).
    type: str
    default: main
  src:
    description: Preferred source address; must be an address of the namespace.
    type: str
  scope:
    description:
      - Scope of an IPv4 route (V(global), V(site), V(link), V(host) or a number). Omitted means what C(ip route) picks,
        V(link) for a unicast route without gateway, otherwise V(global). IPv6 routes have no scope.
    type: str
  type:
    description: Route type.
    type: str
    choices: [unicast, blackhole, unreachable, prohibit]
    default: unicast
  onlink:
    description: Pretend the gateway is directly attached to O(dev) even if no subnet covers it.
    type: bool
    default: false
  state:
    description: V(present) adds or replaces the route; V(absent) deletes the route with this identity, whatever its next hop.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), delete every other route of this table and family in the namespace, except the kernel's
        own and link-scope routes.
    type: bool
    default: false
seealso:
  - module: linuxnet.netns.address
  - module: linuxnet.netns.topology
  - name: ip-route(8)
    description: The iproute2 command for routes.
    link: https://man7.org/linux/man-pages/man8/ip-route.8.html
'''

EXAMPLES = r'''
- name: Default route inside ns1 via the host end of its veth
  linuxnet.netns.route:
    netns: ns1
    gateway: 10.200.1.1

- name: IPv6 default route
  linuxnet.netns.route:
    netns: ns1
    dst: ::/0
    gateway: fd00:200:1::1

- name: A route in a named table, the only one there
  linuxnet.netns.route:
    dst: 10.50.0.0/16
    gateway: 10.200.1.2
    table: 100
    exclusive: true

- name: Drop traffic to a prefix
  linuxnet.netns.route:
    netns: ns1
    dst: 192.0.2.0/24
    type: blackhole

- name: Remove the default route
  linuxnet.netns.route:
    netns: ns1
    dst: default
    state: absent
'''

RETURN = r'''
dst:
  description: Destination as a normalised CIDR.
  returned: always
  type: str
  sample: 0.0.0.0/0
netns:
  description: Namespace of the route (V(null) for the host's).
  returned: always
  type: str
  sample: ns1
family:
  description: V(inet) or V(inet6).
  returned: always
  type: str
  sample: inet
table:
  description: Route table number.
  returned: always
  type: int
  sample: 254
metric:
  description: Route metric.
  returned: always
  type: int
  sample: 0
state:
  description: V(present) or V(absent) after the run (in check mode, what it would be).
  returned: always
  type: str
  sample: present
type:
  description: Route type.
  returned: when present
  type: str
  sample: unicast
gateway:
  description: Next hop, or V(null).
  returned: when present
  type: str
  sample: 10.200.1.1
dev:
  description: Output device, or V(null).
  returned: when present
  type: str
  sample: eth0
src:
  description: Preferred source address, or V(null).
  returned: when present
  type: str
  sample: null
scope:
  description: Scope name (or number).
  returned: when present
  type: str
  sample: global
onlink:
  description: Whether the on-link flag is set.
  returned: when present
  type: bool
  sample: false
other_routes:
  description: With O(exclusive=true), the other routes of the table and family after the run (so an empty list).
  returned: when O(exclusive=true)
  type: list
  elements: str
  sample: []
actions:
  description: What was done (or, in check mode, would be done), one sentence per step.
  returned: always
  type: list
  elements: str
  sample: ["add route default via 10.200.1.1 in netns 'ns1'"]
failed_object:
  description:
    - On a failure while reading or changing the object, the object it concerns (a failure of the parameters'
      validation changes nothing and does not return it).
  returned: failure
  type: str
  sample: route/0.0.0.0/0@ns1/table=254/metric=0
applied:
  description: On a failure while reading or changing the object, the steps already carried out (a re-run converges).
  returned: failure
  type: list
  elements: str
  sample: []
'''

from ansible_collections.linuxnet.netns.plugins.module_utils._argspec import ROUTE
from ansible_collections.linuxnet.netns.plugins.module_utils._route import build
from ansible_collections.linuxnet.netns.plugins.module_utils._runner import run_module


def main():
    run_module(ROUTE, build)


if __name__ == '__main__':
    main()
