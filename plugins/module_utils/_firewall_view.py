# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An owned table read back as the firewall item that makes it (netns_info, details).

Each line nft lists is turned back into a masquerade, a port forward or a rule where it is one the module
writes, and the item found is rendered again: only if that gives exactly the lines listed is it returned. A
table that does not (changed by hand, say) comes back with every rule as a raw rule of its chain, which makes
the same table too. Either way, converging the item read back changes nothing.

Private to this collection: may change without notice.
"""

import re

from ansible_collections.linuxnet.netns.plugins.module_utils import _firewall_rules as rules
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import ParameterError

FORWARD_RE = re.compile(r'^(?:iifname "([^"]+)" )?(?:(?:ip|ip6) daddr (\S+) )?(tcp|udp) dport (\d+) '
                        r'dnat (?:ip|ip6) to (\S+)$')
HAIRPIN_RE = re.compile(r'^(?:ip|ip6) saddr (\S+) (?:ip|ip6) daddr (\S+) (tcp|udp) dport (\d+) ct status dnat masquerade$')
MASQUERADE_RE = re.compile(r'^(?:(?:ip|ip6) saddr (\S+) )?(?:oifname "([^"]+)" )?masquerade$')
L4_NAMES = dict((nft_name, option) for option, nft_name in rules.PROTOCOLS.items())


def item_of(table):
    """The firewall item of a listed table (without netns)."""
    try:
        item = _structured(table)
    except (ParameterError, ValueError, IndexError):
        item = None
    return item if item is not None else _raw(table)


def _policies(table):
    return dict((chain.name, chain.policy) for chain in table.chains
                if chain.name in rules.FILTER_CHAINS and chain.policy not in (None, 'accept'))


def _raw(table):
    item = {'table': table.name}
    if _policies(table):
        item['policies'] = _policies(table)
    found = [{'chain': chain.name, 'raw': line} for chain in table.chains if chain.name in rules.CHAIN_NAMES
             for line in chain.rules]
    if found:
        item['rules'] = found
    return item


def _structured(table):
    lines = dict((name, []) for name in rules.CHAIN_NAMES)
    for chain in table.chains:
        if chain.name not in lines:
            return None
        lines[chain.name] = list(chain.rules)
    forwards = []
    subnets = {}
    user = dict((name, []) for name in rules.CHAIN_NAMES)
    for line in lines['nat_prerouting']:
        match = FORWARD_RE.match(line)
        if match is None:
            user['nat_prerouting'].append(line)
            continue
        interface, address, protocol, port, to = match.groups()
        forward = {'protocol': protocol, 'port': int(port), 'to': to}
        if interface is not None:
            forward['in_interface'] = interface
        if address is not None:
            forward['address'] = address
        forwards.append(forward)
    for index, forward in enumerate(forwards):
        dnat = rules.PortForward(forward, '')
        for chain, line in dnat.lines(None)[1:]:
            if line in lines[chain]:
                lines[chain].remove(line)
        for line in lines['nat_postrouting']:
            match = HAIRPIN_RE.match(line)
            if match and (match.group(2), match.group(3), int(match.group(4))) == (
                    str(dnat.to_address), dnat.protocol, dnat.to_port):
                forward['hairpin'] = True
                subnets[index] = match.group(1)
                lines['nat_postrouting'].remove(line)
                break
    user['nat_output'] = lines['nat_output']
    masquerades = []
    for line in lines['nat_postrouting']:
        match = MASQUERADE_RE.match(line)
        if match is None:
            user['nat_postrouting'].append(line)
            continue
        source, interface = match.groups()
        masquerades.append(dict((key, value) for key, value in (('source', source), ('out_interface', interface))
                                if value is not None))
    for name in rules.FILTER_CHAINS:
        user[name] = lines[name]
    item = {'table': table.name, 'policies': _policies(table), 'masquerade': masquerades,
            'port_forwards': forwards,
            'rules': [parse_rule(name, line) for name in rules.CHAIN_NAMES for line in user[name]]}
    spec = rules.Spec(item)
    rendered = ['table inet %s {' % table.name] + [line for line, _param in spec.body(subnets)] + ['}']
    return spec.item(table.name) if rendered == table.lines else None


def parse_rule(chain, line):
    """A rule line as the rule item that makes it, or a raw rule."""
    words = rules.TOKEN_RE.findall(line)
    params = {'chain': chain}
    at = 0
    for keyword, name in (('iifname', 'in_interface'), ('oifname', 'out_interface')):
        if words[at:at + 1] == [keyword] and len(words) > at + 1:
            params[name] = words[at + 1].strip('"')
            at += 2
    for keyword, name in (('saddr', 'source'), ('daddr', 'destination')):
        if len(words) > at + 2 and words[at] in ('ip', 'ip6') and words[at + 1] == keyword:
            params[name] = words[at + 2]
            at += 3
    if len(words) > at + 2 and words[at] in rules.PORT_PROTOCOLS and words[at + 1] == 'dport':
        params['protocol'] = words[at]
        params['port'] = [part.strip() for part in words[at + 2].strip('{} ').split(',')]
        at += 3
    elif len(words) > at + 2 and words[at:at + 2] == ['meta', 'l4proto'] and words[at + 2] in L4_NAMES:
        params['protocol'] = L4_NAMES[words[at + 2]]
        at += 3
    if len(words) > at + 2 and words[at:at + 2] == ['ct', 'state']:
        params['ct_state'] = words[at + 2].split(',')
        at += 3
    if len(words) > at and words[at] in rules.ACTIONS:
        params['action'] = words[at]
        try:
            rule = rules.Rule(params, '')
        except ParameterError:
            rule = None
        if rule is not None and rule.line() == line:
            return rule.item()
    return {'chain': chain, 'raw': line}
