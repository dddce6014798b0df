# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What exists: every namespace entry, and with details its links, addresses and routes,
also as a description in the topology module's shape (so it can be fed back).

Private to this collection: may change without notice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.plugins.module_utils import _validate as validate
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError
from ansible_collections.linuxnet.netns.plugins.module_utils._link import LINK_KINDS, MACVLAN_MODES, flood_destinations
from ansible_collections.linuxnet.netns.plugins.module_utils._route import (
    DEFAULT_METRIC, MANAGED_TYPES, SCOPE_LINK, SCOPE_UNIVERSE, TYPE_NAMES, UNMANAGED_PROTOCOLS,
)

LINK_LOCAL_V6 = ipaddress.ip_network('fe80::/10')
KERNEL_LOOPBACK = (ipaddress.ip_interface('127.0.0.1/8'), ipaddress.ip_interface('::1/128'))
RT_TABLE_LOCAL = 255
STATE_NAMES = {kernel.LIVE: 'live', kernel.PLACEHOLDER: 'stale', kernel.DANGLING: 'stale', kernel.REPLACED: 'stale',
               kernel.FOREIGN: 'invalid'}


def entry_view(entry, directory=None):
    view = {'name': entry.name, 'path': entry.path, 'state': STATE_NAMES.get(entry.kind, entry.kind),
            'method': 'symlink' if entry.symlink is not None else 'bind'}
    if entry.symlink is not None:
        view['symlink'] = entry.symlink
    if entry.kind != kernel.LIVE:
        view['problem'] = entry.describe()
    else:
        view['netns_inode'] = entry.ino
    if directory is not None:
        view['dir'] = directory
    return view


class Inventory(object):
    """Reads every namespace once and answers in module-option shapes."""

    def __init__(self, session):
        self.session = session
        self.links = {}  # ns -> LinkTable

    def link_table(self, ns):
        if ns not in self.links:
            self.links[ns] = self.session.links(ns)
        return self.links[ns]

    def peers(self, namespaces):
        """(ns, veth name) -> (peer ns or the peer's nsid as seen from ns, peer name) for every veth.

        ifindexes repeat across namespaces (eth0 is often 2 everywhere), so an end is paired with
        the veth in another namespace whose index and peer index mirror its own, and only when
        that is ambiguous is the namespace identity asked of the kernel.
        """
        mirror = {}
        for ns in namespaces:
            for link in self.link_table(ns):
                if link.get('kind') == 'veth' and link.get('link'):
                    mirror.setdefault((link['index'], link['link']), []).append(ns)
        result = {}
        for ns in namespaces:
            for link in self.link_table(ns):
                if link.get('kind') != 'veth' or not link.get('link'):
                    continue
                if link.get('link_netnsid') is None:
                    candidates = [ns]
                else:
                    candidates = [other for other in mirror.get((link['link'], link['index']), []) if other != ns]
                    if len(candidates) > 1:
                        candidates = [other for other in candidates
                                      if self.session.peer_nsid(ns, other) == link['link_netnsid']]
                if len(candidates) == 1:
                    peer = self.link_table(candidates[0]).by_index.get(link['link'])
                    result[(ns, link['name'])] = (candidates[0], peer['name'] if peer else None)
                else:
                    # the peer is in a namespace that has no name here (a container's, say)
                    result[(ns, link['name'])] = ('nsid:%s' % link.get('link_netnsid'), None)
        return result

    def link_views(self, ns, peers):
        views = []
        table = self.link_table(ns)
        for link in table:
            view = {'name': link['name'], 'kind': link.get('kind'), 'mtu': link.get('mtu'), 'mac': link.get('mac'),
                    'up': link.get('up'), 'master': table.name_of(link['master']) if link.get('master') else ''}
            if link.get('kind') == 'veth':
                peer_ns, peer_name = peers.get((ns, link['name']), (None, None))
                view['peer'] = peer_name
                if isinstance(peer_ns, str) and peer_ns.startswith('nsid:'):
                    view['peer_netns'] = None
                    view['peer_netns_id'] = peer_ns[5:]
                else:
                    view['peer_netns'] = peer_ns
            view.update(self.kind_options(table, link))
            if link.get('kind') == 'vxlan':
                remotes = flood_destinations(self.session, ns, link['index'])
                if remotes:
                    view['remotes'] = remotes
            views.append(view)
        return views

    @staticmethod
    def kind_options(table, link):
        data = link.get('data') or {}
        kind = link.get('kind')
        options = {}
        if kind in ('vlan', 'macvlan'):
            options['link'] = table.name_of(link.get('link')) if link.get('link') else None
        if kind == 'vlan':
            options['vlan_id'] = data.get('IFLA_VLAN_ID')
        elif kind == 'macvlan':
            options['macvlan_mode'] = dict((v, k) for k, v in MACVLAN_MODES.items()).get(data.get('IFLA_MACVLAN_MODE'))
        elif kind == 'vxlan':
            options['vxlan_id'] = data.get('IFLA_VXLAN_ID')
            options['dstport'] = data.get('IFLA_VXLAN_PORT')
            options['local'] = data.get('IFLA_VXLAN_LOCAL') or data.get('IFLA_VXLAN_LOCAL6')
            parent = data.get('IFLA_VXLAN_LINK')
            options['link'] = table.name_of(parent) if parent else None
            group = data.get('IFLA_VXLAN_GROUP') or data.get('IFLA_VXLAN_GROUP6')
            if group:
                options['group' if ipaddress.ip_address(group).is_multicast else 'remote'] = group
        return options

    def address_views(self, ns):
        """{dev: [cidr, ...]} of the addresses a user would manage (not link-local, not lo's own)."""
        table = self.link_table(ns)
        result = {}
        for item in self.session.addresses(ns):
            cidr = ipaddress.ip_interface('%s/%d' % (item['address'], item['prefixlen']))
            if cidr.version == 6 and cidr.ip in LINK_LOCAL_V6:
                continue
            if cidr in KERNEL_LOOPBACK:
                continue
            dev = table.name_of(item['index'])
            if dev is not None:
                result.setdefault(dev, []).append(cidr)
        return dict((dev, [str(c) for c in sorted(cidrs, key=lambda c: (c.version, int(c.ip)))])
                    for dev, cidrs in result.items())

    def route_views(self, ns):
        """Routes in the route module's shape: the ones it manages, not the kernel's own."""
        table = self.link_table(ns)
        views = []
        for route in self.session.routes(ns):
            rtype = TYPE_NAMES.get(route['type'])
            if (route['table'] == RT_TABLE_LOCAL or rtype not in MANAGED_TYPES[:4]
                    or route['proto'] in UNMANAGED_PROTOCOLS or route['tos'] or route['multipath']):
                continue
            family = route['family']
            view = {'dst': route['dst'] if route['dst_len'] else 'default' if family == 4 else '::/0'}
            if ns is not None:
                view['netns'] = ns
            if route['gateway']:
                view['gateway'] = route['gateway']
            if route['oif']:
                view['dev'] = table.name_of(route['oif'])
            metric = route['metric'] if route['metric'] is not None else 0
            if metric != DEFAULT_METRIC[family]:
                view['metric'] = metric
            if route['table'] != 254:
                view['table'] = str(route['table'])
            if rtype != 'unicast':
                view['type'] = rtype
            if route['src']:
                view['src'] = route['src']
            default_scope = (SCOPE_LINK if family == 4 and rtype == 'unicast' and not route['gateway']
                             else SCOPE_UNIVERSE)
            if family == 4 and route['scope'] != default_scope:
                view['scope'] = str(validate.scope_name(route['scope']))
            if route['flags'] & 4:
                view['onlink'] = True
            views.append(view)
        return views


def gather(session, names=None, details=False, extra_dirs=()):
    """The netns_info result."""
    entries = kernel.list_entries(session.run_dir)
    if names is not None:
        wanted = set(validate.netns_name(name, 'names') for name in names)
        entries = [entry for entry in entries if entry.name in wanted]
    pids = kernel.pids_by_namespace()
    namespaces = []
    live = []
    for entry in entries:
        view = entry_view(entry)
        if entry.kind == kernel.LIVE:
            try:
                view['nsid'] = session.nsid(entry.name)
            except NetnsError:
                view['nsid'] = None
            view['pids'] = pids.get((entry.dev, entry.ino), [])
            live.append(entry.name)
        else:
            view['nsid'] = None
            view['pids'] = []
        namespaces.append(view)
    extra = []
    for directory in extra_dirs:
        for entry in kernel.list_entries(directory):
            view = entry_view(entry, directory)
            view['pids'] = pids.get((entry.dev, entry.ino), []) if entry.kind == kernel.LIVE else []
            extra.append(view)
    result = {'namespaces': namespaces, 'extra': extra}
    if not details:
        return result
    inventory = Inventory(session)
    scope = [None] + live
    peers = inventory.peers(scope)
    by_name = dict((view['name'], view) for view in namespaces)
    topology = {'namespaces': [], 'veths': [], 'links': [], 'addresses': [], 'routes': []}
    views = {}  # (ns, link name) -> link view
    for ns in scope:
        links = inventory.link_views(ns, peers)
        for link in links:
            views[(ns, link['name'])] = link
        if ns is None:
            continue
        view = by_name[ns]
        view['links'] = links
        view['addresses'] = inventory.address_views(ns)
        view['routes'] = inventory.route_views(ns)
        item = {'name': ns}
        if view.get('nsid') is not None:
            item['nsid'] = view['nsid']
        topology['namespaces'].append(item)
        for link in links:
            if link['kind'] in LINK_KINDS:
                item = dict((k, v) for k, v in link.items() if k in LINK_OPTIONS and v not in (None, ''))
                item['netns'] = ns
                topology['links'].append(item)
    topology['veths'], host_devs = _veth_items(views)
    for ns in scope:
        if ns is None:
            addresses = dict((dev, cidrs) for dev, cidrs in inventory.address_views(None).items() if dev in host_devs)
        else:
            addresses = by_name[ns]['addresses']
        for dev in sorted(addresses):
            item = {'dev': dev, 'address': addresses[dev]}
            if ns is not None:
                item['netns'] = ns
            topology['addresses'].append(item)
        if ns is not None:
            topology['routes'].extend(by_name[ns]['routes'])
    result['topology'] = topology
    return result


LINK_OPTIONS = ('name', 'kind', 'mtu', 'up', 'master', 'link', 'vlan_id', 'macvlan_mode', 'vxlan_id', 'local', 'remote',
                'group', 'dstport', 'remotes')


def _veth_items(views):
    """Each veth pair with at least one end in a named namespace, once, as a veth module item.

    The end with a master comes first (the module sets master on its first end), else the host's end.
    """
    items = []
    host_devs = set()
    seen = set()
    for (ns, name), link in sorted(views.items(), key=lambda pair: (pair[0][0] or '', pair[0][1])):
        if link['kind'] != 'veth' or not link.get('peer') or 'peer_netns_id' in link:
            continue
        here, there = (ns, name), (link['peer_netns'], link['peer'])
        if here[0] is None and there[0] is None:
            continue  # a pair wholly in the host is not part of a namespace topology
        pair = frozenset([here, there])
        if pair in seen:
            continue
        seen.add(pair)
        other = views.get(there, {})
        first, second = here, there
        if other.get('master') and not link.get('master'):
            first, second = there, here
        elif not link.get('master') and not other.get('master') and there[0] is None:
            first, second = there, here
        first_view = views.get(first, {})
        item = {'name': first[1], 'peer': second[1], 'up': bool(first_view.get('up'))}
        if first[0] is not None:
            item['netns'] = first[0]
        if second[0] is not None:
            item['peer_netns'] = second[0]
        if first_view.get('master'):
            item['master'] = first_view['master']
        items.append(item)
        host_devs.update(end for end_ns, end in (first, second) if end_ns is None)
    return items, host_devs
