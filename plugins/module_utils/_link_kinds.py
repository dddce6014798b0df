# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The link kinds the link module creates (veth, a pair, has its own file): one spec per kind, holding all
that is particular to it — its options, how they are validated, encoded into the creation request and read
back from a dump. Adding a kind is one class here and one entry in KINDS; the argument spec, the dump
decoder, the link resource and netns_info all take it from this table.

Pure data and validation: no kernel access, no pyroute2 (the dump decoder imports this file).

Private to this collection: may change without notice.
"""

from ansible_collections.linuxnet.netns.plugins.module_utils import _validate as validate
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import ParameterError

MACVLAN_MODES = {'private': 1, 'vepa': 2, 'bridge': 4, 'passthru': 8, 'source': 16}
VXLAN_DEFAULT_PORT = 4789  # IANA's; the kernel's own default is the legacy 8472

# Whether a kind takes the `link` option (its parent interface).
NO_PARENT, OPTIONAL_PARENT, REQUIRED_PARENT = 'none', 'optional', 'required'


class LinkKind(object):
    """What is particular to one link kind. Subclasses override what differs."""

    name = None
    options = {}  # argument spec of the options only this kind has (merged into the link module's)
    parent = NO_PARENT
    # where a dump holds the parent's ifindex: None for IFLA_LINK, else the name of a kind data attribute
    parent_attribute = None
    # IFLA_INFO_DATA attributes the dump decoder reads: number -> (name, decoder: u32, u16, be16, ip4, ip6)
    data_attributes = {}

    def validate(self, params, prefix, present):
        """The kind's options from the module parameters, validated (raise ParameterError); present: the
        link is wanted (a removal needs no creation options)."""
        return {}

    def encode(self, options):
        """IFLA_INFO_DATA attributes of the creation request, as (name, value) pairs for pyroute2."""
        return []

    def decode(self, data):
        """The kind's options, in module-option shape, from the decoded IFLA_INFO_DATA of a dump."""
        return {}

    def fixed_options(self, options):
        """The options that cannot change on an existing link (a difference means re-creating it)."""
        return dict((key, value) for key, value in options.items() if key != 'remotes')


class Bridge(LinkKind):
    name = 'bridge'


class Dummy(LinkKind):
    name = 'dummy'


class Vlan(LinkKind):
    name = 'vlan'
    options = {'vlan_id': dict(type='int')}
    parent = REQUIRED_PARENT
    data_attributes = {1: ('IFLA_VLAN_ID', 'u16')}

    def validate(self, params, prefix, present):
        if params.get('vlan_id') is None and present:
            raise ParameterError(prefix + 'vlan_id', None, 'is required for kind vlan')
        return {'vlan_id': validate.integer(params.get('vlan_id'), prefix + 'vlan_id', 1, 4094)}

    def encode(self, options):
        return [('IFLA_VLAN_ID', options['vlan_id'])]

    def decode(self, data):
        return {'vlan_id': data.get('IFLA_VLAN_ID')}


class Macvlan(LinkKind):
    name = 'macvlan'
    options = {'macvlan_mode': dict(type='str', choices=sorted(MACVLAN_MODES, key=MACVLAN_MODES.get))}
    parent = REQUIRED_PARENT
    data_attributes = {1: ('IFLA_MACVLAN_MODE', 'u32')}

    def validate(self, params, prefix, present):
        mode = params.get('macvlan_mode') or 'bridge'
        if mode not in MACVLAN_MODES:
            raise ParameterError(prefix + 'macvlan_mode', mode, 'must be one of %s' % ', '.join(sorted(MACVLAN_MODES)))
        return {'macvlan_mode': mode}

    def encode(self, options):
        return [('IFLA_MACVLAN_MODE', MACVLAN_MODES[options['macvlan_mode']])]

    def decode(self, data):
        mode = data.get('IFLA_MACVLAN_MODE')
        # a mode newer than this table stays a number: it is still compared and shown faithfully
        names = dict((number, name) for name, number in MACVLAN_MODES.items())
        return {'macvlan_mode': names.get(mode, mode)}


class Vxlan(LinkKind):
    name = 'vxlan'
    options = {
        'vxlan_id': dict(type='int'),
        'local': dict(type='str'),
        'remote': dict(type='str'),
        'group': dict(type='str'),
        'dstport': dict(type='int'),
        'remotes': dict(type='list', elements='str'),
    }
    parent = OPTIONAL_PARENT
    parent_attribute = 'IFLA_VXLAN_LINK'
    data_attributes = {1: ('IFLA_VXLAN_ID', 'u32'), 2: ('IFLA_VXLAN_GROUP', 'ip4'), 3: ('IFLA_VXLAN_LINK', 'u32'),
                       4: ('IFLA_VXLAN_LOCAL', 'ip4'), 15: ('IFLA_VXLAN_PORT', 'be16'),
                       16: ('IFLA_VXLAN_GROUP6', 'ip6'), 17: ('IFLA_VXLAN_LOCAL6', 'ip6')}

    def validate(self, params, prefix, present):
        p = prefix
        if params.get('vxlan_id') is None and present:
            raise ParameterError(p + 'vxlan_id', None, 'is required for kind vxlan')
        options = {'vxlan_id': validate.integer(params.get('vxlan_id'), p + 'vxlan_id', 0, 16777215),
                   'dstport': validate.integer(params.get('dstport') or VXLAN_DEFAULT_PORT, p + 'dstport', 1, 65535)}
        if params.get('remote') is not None and params.get('group') is not None:
            raise ParameterError(p + 'group', params.get('group'), 'remote and group are mutually exclusive')
        addresses = {}
        for key in ('local', 'remote', 'group'):
            options[key] = None
            if params.get(key) is not None:
                addresses[key] = validate.ip_address(params[key], p + key)
                options[key] = str(addresses[key])
        if 'group' in addresses and not addresses['group'].is_multicast:
            raise ParameterError(p + 'group', options['group'], 'must be a multicast address (use remote for a unicast peer)')
        if 'remote' in addresses and addresses['remote'].is_multicast:
            raise ParameterError(p + 'remote', options['remote'], 'must be a unicast address (use group for multicast)')
        families = set(address.version for address in addresses.values())
        if len(families) > 1:
            raise ParameterError(p + 'local', options['local'], 'local, remote and group must be the same IP family')
        options['remotes'] = self._remotes(params.get('remotes'), options, families, p)
        return options

    @staticmethod
    def _remotes(remotes, options, families, p):
        """Flood destinations (head-end replication): None = not managed, else a sorted list of addresses."""
        if remotes is None:
            return None
        if options['remote'] is not None or options['group'] is not None:
            raise ParameterError(p + 'remotes', remotes, 'cannot be combined with remote or group')
        result = set()
        for index, item in enumerate(remotes):
            address = validate.ip_address(item, '%sremotes[%d]' % (p, index))
            if address.is_multicast:
                raise ParameterError('%sremotes[%d]' % (p, index), item, 'must be a unicast address')
            families.add(address.version)
            if options['local'] is not None and str(address) == options['local']:
                continue  # every host may list the whole fleet: its own address is not a destination
            result.add(address)
        if len(families) > 1:
            raise ParameterError(p + 'remotes', remotes, 'must be the same IP family as local')
        return [str(address) for address in sorted(result)]

    def encode(self, options):
        data = [('IFLA_VXLAN_ID', options['vxlan_id']), ('IFLA_VXLAN_PORT', options['dstport'])]
        six = any(':' in (options[key] or '') for key in ('local', 'remote', 'group'))
        if options['local']:
            data.append(('IFLA_VXLAN_LOCAL6' if six else 'IFLA_VXLAN_LOCAL', options['local']))
        peer = options['remote'] or options['group']
        if peer:
            data.append(('IFLA_VXLAN_GROUP6' if six else 'IFLA_VXLAN_GROUP', peer))
        return data

    def decode(self, data):
        options = {'vxlan_id': data.get('IFLA_VXLAN_ID'), 'dstport': data.get('IFLA_VXLAN_PORT'),
                   'local': data.get('IFLA_VXLAN_LOCAL') or data.get('IFLA_VXLAN_LOCAL6'),
                   'remote': None, 'group': None}
        group = data.get('IFLA_VXLAN_GROUP') or data.get('IFLA_VXLAN_GROUP6')
        if group:
            options['group' if validate.ip_address(group, 'group').is_multicast else 'remote'] = group
        return options


KINDS = dict((kind.name, kind) for kind in (Bridge(), Dummy(), Vlan(), Macvlan(), Vxlan()))
NAMES = tuple(sorted(KINDS))

# for the dump decoder: kind -> {attribute number: (name, decoder)}
DATA_ATTRIBUTES = dict((name, kind.data_attributes) for name, kind in KINDS.items() if kind.data_attributes)


def argument_spec():
    """Every kind's own options, for the link module's argument spec."""
    spec = {}
    for name in NAMES:
        spec.update(KINDS[name].options)
    return spec


def kind_of_option(option):
    """Which kinds an option belongs to (for 'does not apply to kind X' messages)."""
    return [name for name in NAMES if option in KINDS[name].options]
