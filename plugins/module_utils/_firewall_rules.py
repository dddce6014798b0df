# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a firewall item means in nft: validating its options, rendering the owned table, reading one back.

Pure (no kernel, no process): the rendering is what nft is given, never what is compared (_firewall compares
nft's listings). Rule lines are written the way nft lists them back (set elements sorted, connection states
in the kernel's bit order, the reject nft would print...), so that a table read back by netns_info can be
turned into the item that makes it, and that item checked by rendering it again.

Private to this collection: may change without notice.
"""

import ipaddress
import re

from ansible_collections.linuxnet.netns.plugins.module_utils import _validate as validate
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import ParameterError

DEFAULT_TABLE = 'linuxnet'
MARK = 'managed by linuxnet.netns'
TABLE_NAME_RE = re.compile(r'^[A-Za-z][A-Za-z0-9_-]{0,63}$')
# (chain, type, hook, priority as nft lists it): the chains the owned table may have, in the order it has them
CHAINS = (
    ('nat_prerouting', 'nat', 'prerouting', 'dstnat'),
    ('nat_output', 'nat', 'output', '-100'),
    ('nat_postrouting', 'nat', 'postrouting', 'srcnat'),
    ('input', 'filter', 'input', 'filter'),
    ('forward', 'filter', 'forward', 'filter'),
    ('output', 'filter', 'output', 'filter'),
)
CHAIN_NAMES = tuple(chain[0] for chain in CHAINS)
FILTER_CHAINS = ('input', 'forward', 'output')
HOOK_OF = dict((chain[0], chain[2]) for chain in CHAINS)
ACTIONS = ('accept', 'drop', 'reject')
POLICIES = ('accept', 'drop')
# protocol option -> the name nft lists for meta l4proto
PROTOCOLS = {'tcp': 'tcp', 'udp': 'udp', 'icmp': 'icmp', 'icmpv6': 'ipv6-icmp'}
PORT_PROTOCOLS = ('tcp', 'udp')
# connection states in the order nft lists them (the kernel's bit order)
CT_STATES = ('invalid', 'established', 'related', 'new', 'untracked')
TOKEN_RE = re.compile(r'\{[^}]*\}|"[^"]*"|\S+')


# -- validation -------------------------------------------------------------------------------------------
def table_name(value, param='table'):
    if not isinstance(value, str) or not TABLE_NAME_RE.match(value):
        raise ParameterError(param, value, 'a table name must be 1 to 64 letters, digits, "_" or "-", starting '
                             'with a letter')
    return value


def network(value, param):
    """A source or destination: an address or a prefix with the host bits clear."""
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(param, value, 'must be an address or a prefix, e.g. 198.18.0.0/24 or 2001:db8::/32')
    try:
        return ipaddress.ip_network(value.strip(), strict=True)
    except ValueError as exc:
        if 'host bits set' in str(exc):
            raise ParameterError(param, value, 'host bits are set; did you mean %s?'
                                 % ipaddress.ip_network(value.strip(), strict=False))
        raise ParameterError(param, value, 'not a valid address or prefix: %s' % exc)


def interface(value, param):
    """An interface name as nft matches it by name (a trailing * matches every name it starts)."""
    name = validate.ifname(value, param)
    if '"' in name or '\\' in name or '*' in name[:-1]:
        raise ParameterError(param, value, 'an interface name must not contain quotes or backslashes '
                             '(and * only at its end, as a wildcard)')
    return name


def port(value, param):
    return validate.integer(value, param, 1, 65535)


def port_ranges(values, param):
    """Ports and ranges ("22", "1000-2000"), sorted, adjacent ranges merged (as nft merges them); overlaps are
    an error."""
    if not isinstance(values, list) or not values:
        raise ParameterError(param, values, 'must be a port, a range like 1000-2000, or a list of them')
    ranges = []
    for value in values:
        text = str(value).strip()
        low, _dash, high = text.partition('-')
        try:
            low, high = int(low), int(high or low)
        except ValueError:
            raise ParameterError(param, value, 'a port must be a number or a range like 1000-2000')
        for number in (low, high):
            port(number, param)
        if low > high:
            raise ParameterError(param, value, 'a range must run from the lower port to the higher')
        ranges.append((low, high))
    ranges.sort()
    merged = [ranges[0]]
    for low, high in ranges[1:]:
        if low <= merged[-1][1]:
            overlap = (_range_text(merged[-1]), _range_text((low, high)))
            raise ParameterError(param, values, 'ports %s and %s overlap' % overlap)
        if low == merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return merged


def _range_text(pair):
    return str(pair[0]) if pair[0] == pair[1] else '%d-%d' % pair


def ports_text(ranges):
    texts = [_range_text(pair) for pair in ranges]
    return texts[0] if len(texts) == 1 else '{ %s }' % ', '.join(texts)


def address(value, param):
    try:
        return validate.ip_address(value, param)
    except ParameterError:
        raise ParameterError(param, value, 'not a valid IPv4 or IPv6 address')


def destination(params, param, default_port):
    """(address, port) of a port forward: to "ADDRESS:PORT" (IPv6 as [ADDRESS]:PORT), or to_address and
    to_port; the port defaults to the forwarded one."""
    to, to_address, to_port = params.get('to'), params.get('to_address'), params.get('to_port')
    if to is not None and (to_address is not None or to_port is not None):
        raise ParameterError(param + 'to', to, 'give either to (ADDRESS:PORT) or to_address and to_port, not both')
    if to is None:
        if to_address is None:
            raise ParameterError(param + 'to', None, 'a port forward needs to (ADDRESS:PORT) or to_address')
        return address(to_address, param + 'to_address'), port(default_port if to_port is None else to_port,
                                                               param + 'to_port')
    text = str(to).strip()
    match = re.match(r'^\[([^\]]+)\](?::(\d+))?$', text) or re.match(r'^([^:\[\]]+)(?::(\d+))?$', text)
    if match is None:
        if text.count(':') > 1 and '[' not in text:
            match = re.match(r'^(.*)()$', text)  # an IPv6 address without a port
        else:
            raise ParameterError(param + 'to', to, 'must be ADDRESS, ADDRESS:PORT or [IPV6-ADDRESS]:PORT')
    target = address(match.group(1), param + 'to')
    if (target.version == 4 and text.startswith('[')) or (target.version == 6 and match.group(2) and text[0] != '['):
        raise ParameterError(param + 'to', to, 'an IPv6 address with a port is written [ADDRESS]:PORT, an IPv4 one '
                             'ADDRESS:PORT')
    return target, port(int(match.group(2)) if match.group(2) else default_port, param + 'to')


def raw_rule(value, param):
    """A rule in nft syntax: one line, whose braces never close the chain it is put in."""
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(param, value, 'a raw rule must be a non-empty string in nft syntax')
    if '\n' in value or '\r' in value:
        raise ParameterError(param, value, 'a raw rule must be one line')
    depth = 0
    for token in re.findall(r'"[^"]*"|[{}]', value):
        depth += {'{': 1, '}': -1}.get(token, 0)
        if depth < 0:
            break
    if depth != 0:
        raise ParameterError(param, value, 'the braces of a raw rule must balance (it must stay inside its chain)')
    return ' '.join(value.split())


def _choice(value, param, choices):
    if value not in choices:
        raise ParameterError(param, value, 'must be one of %s' % ', '.join(choices))
    return value


def _family(param, *networks):
    versions = set(item.version for item in networks if item is not None)
    if len(versions) > 1:
        raise ParameterError(param, [str(item) for item in networks if item is not None],
                             'mixes IPv4 and IPv6 addresses')
    return versions.pop() if versions else None


def _word(version):
    return 'ip' if version == 4 else 'ip6'


def _net_text(item):
    return str(item.network_address) if item.prefixlen == item.max_prefixlen else str(item)


def _quote(name):
    return '"%s"' % name


# -- the three kinds of rule lines --------------------------------------------------------------------------
class Rule:
    """A filter rule (or a raw one) of a chain."""

    __slots__ = ('chain', 'param', 'action', 'source', 'destination', 'protocol', 'ports', 'in_interface',
                 'out_interface', 'ct_state', 'raw', 'family')

    def __init__(self, params, param):
        for name in self.__slots__:
            setattr(self, name, None)
        self.param = param
        self.chain = _choice(params.get('chain'), param + 'chain', CHAIN_NAMES)
        self.raw = None if params.get('raw') is None else raw_rule(params['raw'], param + 'raw')
        structured = [name for name in ('action', 'source', 'destination', 'protocol', 'port', 'in_interface',
                                        'out_interface', 'ct_state') if params.get(name) not in (None, [])]
        if self.raw is not None:
            if structured:
                raise ParameterError(param + 'raw', params['raw'], 'a raw rule takes only chain besides it '
                                     '(got also %s)' % ', '.join(structured))
            return
        self.action = _choice(params.get('action'), param + 'action', ACTIONS)
        if self.action == 'reject' and self.chain in ('nat_prerouting', 'nat_postrouting'):
            raise ParameterError(param + 'action', 'reject', 'reject works only in the input, forward and output '
                                 'chains')
        self.source = None if params.get('source') is None else network(params['source'], param + 'source')
        self.destination = (None if params.get('destination') is None
                            else network(params['destination'], param + 'destination'))
        self.family = _family(param + 'destination', self.source, self.destination)
        protocol = params.get('protocol')
        self.protocol = None if protocol is None else _choice(protocol, param + 'protocol', tuple(PROTOCOLS))
        if (self.protocol, self.family) in (('icmp', 6), ('icmpv6', 4)):
            raise ParameterError(param + 'protocol', protocol, 'does not match the IPv%d addresses of the rule'
                                 % self.family)
        self.ports = None
        if params.get('port') not in (None, []):
            if self.protocol not in PORT_PROTOCOLS:
                raise ParameterError(param + 'port', params['port'], 'a port needs protocol tcp or udp')
            self.ports = port_ranges(params['port'], param + 'port')
        self.in_interface = None if params.get('in_interface') is None else interface(params['in_interface'],
                                                                                      param + 'in_interface')
        self.out_interface = None if params.get('out_interface') is None else interface(params['out_interface'],
                                                                                        param + 'out_interface')
        states = params.get('ct_state') or []
        for state in states:
            _choice(state, param + 'ct_state', CT_STATES)
        self.ct_state = [state for state in CT_STATES if state in states]

    def line(self):
        if self.raw is not None:
            return self.raw
        words = []
        if self.in_interface:
            words += ['iifname', _quote(self.in_interface)]
        if self.out_interface:
            words += ['oifname', _quote(self.out_interface)]
        if self.source is not None:
            words += [_word(self.family), 'saddr', _net_text(self.source)]
        if self.destination is not None:
            words += [_word(self.family), 'daddr', _net_text(self.destination)]
        if self.ports:
            words += [self.protocol, 'dport', ports_text(self.ports)]
        elif self.protocol:
            words += ['meta', 'l4proto', PROTOCOLS[self.protocol]]
        if self.ct_state:
            words += ['ct', 'state', ','.join(self.ct_state)]
        if self.action != 'reject':
            words.append(self.action)
        elif self.protocol == 'tcp':
            words += ['reject', 'with', 'tcp', 'reset']
        elif self.family is not None:
            words += ['reject', 'with', 'icmp' if self.family == 4 else 'icmpv6', 'port-unreachable']
        else:
            words.append('reject')  # nft picks the ICMP type of each packet's family
        return ' '.join(words)

    def item(self):
        if self.raw is not None:
            return {'chain': self.chain, 'raw': self.raw}
        item = {'chain': self.chain, 'action': self.action}
        for name in ('source', 'destination'):
            if getattr(self, name) is not None:
                item[name] = str(getattr(self, name))
        for name in ('protocol', 'in_interface', 'out_interface'):
            if getattr(self, name) is not None:
                item[name] = getattr(self, name)
        if self.ports:
            item['port'] = [_range_text(pair) for pair in self.ports]
        if self.ct_state:
            item['ct_state'] = list(self.ct_state)
        return item


class Masquerade:
    __slots__ = ('param', 'source', 'out_interface')

    def __init__(self, params, param):
        self.param = param
        self.source = None if params.get('source') is None else network(params['source'], param + 'source')
        self.out_interface = (None if params.get('out_interface') is None
                              else interface(params['out_interface'], param + 'out_interface'))
        if self.source is None and self.out_interface is None:
            raise ParameterError(param.rstrip('.'), params, 'give source or out_interface (masquerading everything '
                                 'would also rewrite traffic between local interfaces)')

    def line(self):
        words = []
        if self.source is not None:
            words += [_word(self.source.version), 'saddr', _net_text(self.source)]
        if self.out_interface:
            words += ['oifname', _quote(self.out_interface)]
        return ' '.join(words + ['masquerade'])

    def item(self):
        item = {}
        if self.source is not None:
            item['source'] = str(self.source)
        if self.out_interface is not None:
            item['out_interface'] = self.out_interface
        return item


class PortForward:
    """DNAT of PROTOCOL/PORT arriving here (and connections made here) to another address, and optionally the
    masquerade that lets that address's own subnet use the forward too (hairpin)."""

    __slots__ = ('param', 'protocol', 'port', 'address', 'in_interface', 'to_address', 'to_port', 'hairpin')

    def __init__(self, params, param):
        self.param = param
        self.protocol = _choice(params.get('protocol') or 'tcp', param + 'protocol', PORT_PROTOCOLS)
        self.port = port(params.get('port'), param + 'port')
        if self.port is None:
            raise ParameterError(param + 'port', None, 'a port forward needs the port it forwards')
        self.address = None if params.get('address') is None else address(params['address'], param + 'address')
        self.in_interface = (None if params.get('in_interface') is None
                             else interface(params['in_interface'], param + 'in_interface'))
        self.to_address, self.to_port = destination(params, param, self.port)
        if self.address is not None and self.address.version != self.to_address.version:
            raise ParameterError(param + 'address', str(self.address), 'is IPv%d but the destination %s is IPv%d'
                                 % (self.address.version, self.to_address, self.to_address.version))
        self.hairpin = bool(params.get('hairpin'))

    def _to_text(self):
        if self.to_address.version == 6:
            return '[%s]:%d' % (self.to_address, self.to_port)
        return '%s:%d' % (self.to_address, self.to_port)

    def _dnat(self):
        return '%s dport %d dnat %s to %s' % (self.protocol, self.port, _word(self.to_address.version),
                                              self._to_text())

    def lines(self, subnet):
        """(chain, line) of the rules it takes; subnet: the connected subnet of to_address (for hairpin)."""
        words = []
        if self.in_interface:
            words += ['iifname', _quote(self.in_interface)]
        if self.address is not None:
            words += [_word(self.address.version), 'daddr', str(self.address)]
        result = [('nat_prerouting', ' '.join(words + [self._dnat()]))]
        if self.in_interface is None:
            # connections made in this namespace to its own address never pass prerouting
            local = ('%s daddr %s' % (_word(self.address.version), self.address) if self.address is not None
                     else 'fib daddr type local')
            result.append(('nat_output', '%s %s' % (local, self._dnat())))
        if self.hairpin:
            word = _word(self.to_address.version)
            result.append(('nat_postrouting', '%s saddr %s %s daddr %s %s dport %d ct status dnat masquerade' % (
                word, subnet, word, self.to_address, self.protocol, self.to_port)))
        return result

    def item(self):
        item = {'protocol': self.protocol, 'port': self.port, 'to': self._to_text()}
        if self.address is not None:
            item['address'] = str(self.address)
        if self.in_interface is not None:
            item['in_interface'] = self.in_interface
        if self.hairpin:
            item['hairpin'] = True
        return item


def _items(params, name, prefix):
    items = params.get(name) or []
    if not isinstance(items, list):
        raise ParameterError(prefix + name, items, 'must be a list')
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ParameterError('%s%s[%d]' % (prefix, name, index), item, 'must be a dictionary')
    return [('%s%s[%d].' % (prefix, name, index), item) for index, item in enumerate(items)]


class Spec:
    """A firewall item, validated: what the owned table holds."""

    def __init__(self, params, prefix=''):
        policies = params.get('policies') or {}
        if not isinstance(policies, dict):
            raise ParameterError(prefix + 'policies', policies, 'must be a dictionary of chain to policy')
        self.policies = {}
        for chain, policy in policies.items():
            _choice(chain, prefix + 'policies', FILTER_CHAINS)
            if policy is not None:
                self.policies[chain] = _choice(policy, '%spolicies.%s' % (prefix, chain), POLICIES)
        self.masquerades = [Masquerade(item, param) for param, item in _items(params, 'masquerade', prefix)]
        self.forwards = [PortForward(item, param) for param, item in _items(params, 'port_forwards', prefix)]
        self.rules = [Rule(item, param) for param, item in _items(params, 'rules', prefix)]
        self.count = (len(self.masquerades) + len(self.rules)
                      + sum(len(forward.lines('')) for forward in self.forwards))

    def targets(self):
        """(index, parameter, address, hairpin) of every port forward's destination: the kernel state decides
        whether it is reachable."""
        return [(index, forward.param + 'to', forward.to_address, forward.hairpin)
                for index, forward in enumerate(self.forwards)]

    def accepted_hooks(self):
        """The hooks through which this table lets traffic pass that another table's policy could drop."""
        hooks = []
        if self.masquerades or self.forwards or any(r.chain == 'forward' and r.action == 'accept' for r in self.rules):
            hooks.append('forward')
        if any(r.chain == 'input' and r.action == 'accept' for r in self.rules):
            hooks.append('input')
        return hooks

    def chain_rules(self, subnets):
        """{chain: [(line, parameter)]}: the rules described first, then the forwards and masquerades."""
        chains = dict((name, []) for name in CHAIN_NAMES)
        for rule in self.rules:
            chains[rule.chain].append((rule.line(), rule.param + 'raw' if rule.raw is not None else rule.param.rstrip('.')))
        for index, forward in enumerate(self.forwards):
            for chain, line in forward.lines(subnets.get(index)):
                chains[chain].append((line, forward.param + 'to'))
        for masquerade in self.masquerades:
            chains['nat_postrouting'].append((masquerade.line(), masquerade.param.rstrip('.')))
        return chains

    def body(self, subnets):
        """[(line, parameter)] inside "table inet NAME { }", in nft's listing format."""
        lines = [('\tcomment "%s"' % MARK, None)]
        chains = self.chain_rules(subnets)
        for name, kind, hook, priority in CHAINS:
            policy = self.policies.get(name, 'accept')
            if not chains[name] and policy == 'accept':
                continue  # no hook where nothing is done: a nat chain would start connection tracking
            lines.append(('\tchain %s {' % name, None))
            lines.append(('\t\ttype %s hook %s priority %s; policy %s;' % (kind, hook, priority, policy),
                          'policies' if name in self.policies else None))
            lines.extend(('\t\t' + line, param) for line, param in chains[name])
            lines.append(('\t}', None))
        return lines

    def item(self, table):
        item = {'table': table}
        if self.policies:
            item['policies'] = dict(self.policies)
        for name, objects in (('masquerade', self.masquerades), ('port_forwards', self.forwards),
                              ('rules', self.rules)):
            if objects:
                item[name] = [obj.item() for obj in objects]
        return item


def replace_script(family, name, body):
    """One transaction: make sure the table exists, delete it, define it anew."""
    return '\n'.join(['table %s %s {' % (family, name), '}', 'delete table %s %s' % (family, name),
                      'table %s %s {' % (family, name)] + list(body) + ['}']) + '\n'


def coexistence_warning(table, chain, hook, where):
    what = ('forwarded traffic (masquerade, port forwards, forward rules)' if hook == 'forward'
            else 'incoming traffic this table accepts')
    advice = ('for Docker, accept it in its DOCKER-USER chain (iptables -I DOCKER-USER -s SUBNET -j ACCEPT, and '
              'the same with -d SUBNET); otherwise add accept rules to that chain or change its policy'
              if hook == 'forward' else 'add accept rules to that chain or change its policy')
    return ('table %s %s in %s has the base chain %s (hook %s) with policy drop: %s is still dropped there, because '
            'a packet any base chain drops is dropped; %s' % (table.family, table.name, where, chain.name, hook,
                                                              what, advice))
