#!/usr/bin/python
# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: firewall
short_description: Masquerade, port forwards and filter rules of a network namespace, in one nftables table
version_added: 0.1.0
description:
  - Manages one nftables table (family C(inet), named O(table)) in a named namespace or the host's, and only
    that table. It holds internet access for namespaces behind this one (O(masquerade)), ports of this namespace
    forwarded to a service in another subnet (O(port_forwards)), filter rules (O(rules)) and the policies of the
    filter chains (O(policies)). With O(forwarding), it also turns forwarding on in the namespace.
  - The table is marked with the comment C(managed by linuxnet.netns); a table of that name without the mark is
    never replaced or deleted. Other tables are only read, to warn when one of them drops what this one lets
    through (for example Docker's C(FORWARD) chain with policy drop, made by iptables-nft).
  - The wanted table is loaded into a throw-away namespace and listed back by nft, and that listing is compared
    with nft's listing of the real table, so a rule added or deleted by hand is detected and reported, and nothing
    nft merely spells differently is. Counters are not compared.
  - A change is one nft transaction that deletes and re-creates the table, so a rule the kernel refuses leaves the
    previous table exactly as it was. A rule nft refuses is found before anything changes, by loading it into the
    throw-away namespace, and named in the error.
  - The diff shows the table as nft lists it, so changes appear as lines added and removed in nft syntax.
author:
  - linuxnet.netns maintainers (@linuxnet)
extends_documentation_fragment:
  - linuxnet.netns.netns
  - linuxnet.netns.netns.NETNS_OPTION
requirements:
  - The C(nft) command (the C(nftables) package) on the target, and a kernel with nf_tables (6.x tested; the
    C(inet) family with NAT needs 5.2 or newer, table comments 5.10).
options:
  table:
    description:
      - Name of the owned table (family C(inet)). Letters, digits, C(_) and C(-), starting with a letter, not one
        of nft's keywords.
      - Several tables in one namespace are several items with different names.
    type: str
    default: linuxnet
  state:
    description:
      - V(present) makes the table exactly what the other options describe.
      - V(absent) deletes the table; every other option is ignored, the forwarding sysctls are left as they are.
    type: str
    choices: [present, absent]
    default: present
  forwarding:
    description:
      - V(true) sets C(net.ipv4.ip_forward) and C(net.ipv6.conf.all.forwarding) to 1 in the namespace, V(false) sets
        them to 0; omitted leaves them alone. These sysctls belong to the namespace, so with O(netns) omitted they
        are the host's own.
      - Masquerade and port forwards to another namespace need it on in the namespace that forwards.
    type: bool
  policies:
    description:
      - Policies of the filter chains of the table. A chain with policy V(drop) is created even without rules.
      - A packet that any base chain of any table drops is dropped, so V(accept) here never overrides another
        table's drop.
    type: dict
    suboptions:
      input:
        description: Policy of the C(input) chain (traffic to this namespace).
        type: str
        choices: [accept, drop]
      forward:
        description: Policy of the C(forward) chain (traffic routed through this namespace).
        type: str
        choices: [accept, drop]
      output:
        description: Policy of the C(output) chain (traffic from this namespace).
        type: str
        choices: [accept, drop]
  masquerade:
    description:
      - Source NAT to the address of the outgoing interface, in the C(nat_postrouting) chain, for namespaces behind
        this one reaching the rest of the world through it.
    type: list
    elements: dict
    default: []
    suboptions:
      source:
        description: Source prefix (or address) whose traffic is masqueraded, for example C(10.0.0.0/24).
        type: str
      out_interface:
        description:
          - Only traffic leaving through this interface, for example the uplink C(eth0). A trailing C(*) matches
            every interface whose name starts with the rest.
          - At least one of O(masquerade[].source) and O(masquerade[].out_interface) is required.
        type: str
  port_forwards:
    description:
      - Destination NAT of a port of this namespace to an address and port in another subnet, in the
        C(nat_prerouting) chain, and in the C(nat_output) chain for connections made in this namespace to its own
        addresses (unless O(port_forwards[].in_interface) is given).
      - The destination must lie in a subnet of an address of the namespace or be covered by a route of its main
        table; that is checked before anything changes.
    type: list
    elements: dict
    default: []
    suboptions:
      protocol:
        description: Protocol of the forwarded port.
        type: str
        choices: [tcp, udp]
        default: tcp
      port:
        description: The port of this namespace that is forwarded (1 to 65535).
        type: int
        required: true
      address:
        description: Forward only connections to this address of the namespace (default, every local address).
        type: str
      in_interface:
        description: Forward only connections arriving on this interface.
        type: str
      to:
        description:
          - Where to, as C(ADDRESS:PORT), C([IPV6-ADDRESS]:PORT), or an address alone (the same port).
          - Either O(port_forwards[].to) or O(port_forwards[].to_address), not both.
        type: str
      to_address:
        description: Where to, the address alone (with O(port_forwards[].to_port)).
        type: str
      to_port:
        description: The port at O(port_forwards[].to_address); default O(port_forwards[].port).
        type: int
      hairpin:
        description:
          - Also masquerade connections from the destination's own subnet, so that the other namespaces of that
            subnet can use the forwarded port too (their replies would otherwise bypass this namespace). The
            destination must lie in a connected subnet.
        type: bool
        default: false
  rules:
    description:
      - Filter rules, in the order given within each chain, before the port forwards and masquerades of a nat
        chain. A rule matches what all its options say.
    type: list
    elements: dict
    default: []
    suboptions:
      chain:
        description:
          - V(input), V(forward) or V(output) (the filter chains), or one of the nat chains V(nat_prerouting),
            V(nat_output), V(nat_postrouting) (where V(accept) exempts a packet from the forwards and masquerades
            that follow).
        type: str
        required: true
        choices: [input, forward, output, nat_prerouting, nat_output, nat_postrouting]
      action:
        description:
          - What to do with a matching packet. V(reject) answers TCP with a reset and everything else with an ICMP
            port unreachable; it works only in the filter chains.
          - Required unless O(rules[].raw) is given.
        type: str
        choices: [accept, drop, reject]
      source:
        description: Source prefix or address.
        type: str
      destination:
        description: Destination prefix or address (the same IP version as O(rules[].source)).
        type: str
      protocol:
        description: Protocol (C(icmpv6) is IPv6's ICMP).
        type: str
        choices: [tcp, udp, icmp, icmpv6]
      port:
        description:
          - Destination ports, each a number or a range like V(1000-2000); needs O(rules[].protocol) V(tcp) or
            V(udp).
        type: list
        elements: str
      in_interface:
        description: Interface the packet arrived on (a trailing C(*) matches every name starting with the rest).
        type: str
      out_interface:
        description: Interface the packet leaves through.
        type: str
      ct_state:
        description: Connection tracking states, any of which matches.
        type: list
        elements: str
        choices: [new, established, related, invalid, untracked]
      raw:
        description:
          - A rule in nft syntax, used as it is (for example C(tcp flags syn tcp option maxseg size set 1400)); no
            other option but O(rules[].chain) may be given with it. It must stay inside its chain (balanced
            braces), and may not name interfaces by index (C(iif)), because it is checked in a namespace where
            they do not exist; use C(iifname).
        type: str
notes:
  - A table of this module and iptables rules made with iptables-legacy do not see each other; nftables and
    iptables-nft tables are all read for the warning above.
seealso:
  - module: linuxnet.netns.topology
  - module: linuxnet.netns.netns_info
  - name: nft(8)
    description: The nftables command this module runs.
    link: https://man7.org/linux/man-pages/man8/nft.8.html
'''

EXAMPLES = r'''
- name: Internet access for the namespaces behind the host (masquerade on the uplink)
  linuxnet.netns.firewall:
    forwarding: true
    masquerade:
      - {source: 10.0.0.0/24, out_interface: eth0}

- name: Port 8080 of the host to the web server of namespace web, and a filter inside edge
  linuxnet.netns.firewall:
    netns: edge
    forwarding: true
    port_forwards:
      - {protocol: tcp, port: 8080, to: "10.0.0.2:80"}
    rules:
      - {chain: input, action: accept, ct_state: [established, related]}
      - {chain: input, action: drop, protocol: tcp, port: 22}
    policies:
      forward: accept

- name: Remove the table
  linuxnet.netns.firewall:
    netns: edge
    state: absent
'''

RETURN = r'''
netns:
  description: Namespace of the table (V(null) for the host's).
  returned: always
  type: str
  sample: edge
table:
  description: Name of the table.
  returned: always
  type: str
  sample: linuxnet
family:
  description: Family of the table, always V(inet).
  returned: always
  type: str
  sample: inet
state:
  description: V(present) or V(absent) after the run (in check mode, what it would be).
  returned: always
  type: str
  sample: present
ruleset:
  description:
    - The table as C(nft -s list table inet NAME) lists it, one line per item, indented by two spaces a level;
      in check mode, as it would be. Empty when absent.
  returned: always
  type: list
  elements: str
  sample: ["table inet linuxnet {", "  comment \"managed by linuxnet.netns\"", "  chain nat_postrouting {",
           "    type nat hook postrouting priority srcnat; policy accept;",
           "    ip saddr 10.0.0.0/24 oifname \"eth0\" masquerade", "  }", "}"]
forwarding:
  description: The forwarding sysctls of the namespace after the run.
  returned: when O(forwarding) is given and O(state=present)
  type: dict
  sample: {"net.ipv4.ip_forward": "1", "net.ipv6.conf.all.forwarding": "1"}
actions:
  description: What was done (or, in check mode, would be done), one sentence per step.
  returned: always
  type: list
  elements: str
  sample: ["replace table inet linuxnet in netns 'edge' (+1 -0 lines: + tcp dport 22 drop)"]
failed_object:
  description:
    - On a failure while reading or changing the table, the object it concerns (a failure of the parameters'
      validation changes nothing and does not return it).
  returned: failure
  type: str
  sample: firewall/inet linuxnet@edge
applied:
  description: On a failure while reading or changing the table, the steps already carried out (a re-run converges).
  returned: failure
  type: list
  elements: str
  sample: []
'''

from ansible_collections.linuxnet.netns.plugins.module_utils._argspec import FIREWALL
from ansible_collections.linuxnet.netns.plugins.module_utils._firewall import build
from ansible_collections.linuxnet.netns.plugins.module_utils._runner import run_module


def main():
    run_module(FIREWALL, build)


if __name__ == '__main__':
    main()
