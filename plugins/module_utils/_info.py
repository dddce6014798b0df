# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What exists: every namespace entry, and with details its links, addresses and routes, also as a description
in the topology module's shape (so it can be fed back).

Nothing is decoded here: links, veth peers, addresses and routes are read back with the same views the kinds'
own resources use (_links, _veth, _address, _route), so a read-back has exactly the shape a module produces.

Private to this collection: may change without notice.
"""

from ansible_collections.linuxnet.netns.plugins.module_utils import _address as address
from ansible_collections.linuxnet.netns.plugins.module_utils import _firewall as firewall
from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.plugins.module_utils import _link_kinds as link_kinds
from ansible_collections.linuxnet.netns.plugins.module_utils import _links as links
from ansible_collections.linuxnet.netns.plugins.module_utils import _route as route
from ansible_collections.linuxnet.netns.plugins.module_utils import _validate as validate
from ansible_collections.linuxnet.netns.plugins.module_utils import _veth as veth
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, from_os_error

# the options of a link item of a topology description
LINK_OPTIONS = ('name', 'kind', 'mtu', 'up', 'master', 'link') + tuple(sorted(link_kinds.argument_spec()))


def entry_view(entry, directory=None):
    view = {'name': entry.name, 'path': entry.path, 'state': entry.state,
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


def link_views(session, ns, scope):
    """Every link of a namespace in link-module shape; a veth also says where its peer is."""
    views = []
    for link in session.links(ns):
        view = {'name': link['name'], 'kind': link.get('kind')}
        view.update(links.link_view(session, ns, link))
        options = links.kind_view(session, ns, link)
        if not options.get('remotes'):
            options.pop('remotes', None)  # none managed: the vxlan's remote or group says where it sends
        view.update(options)
        if link.get('kind') == 'veth':
            end = veth.peer_end(session, ns, link, scope)
            if end is not None:
                view.update(peer=end[1]['name'], peer_netns=end[0])
            else:
                # the peer is in a namespace that has no name here (a container's, say)
                view.update(peer=None, peer_netns=None, peer_netns_id=str(link.get('link_netnsid')))
        views.append(view)
    return views


def route_views(session, ns):
    """The routes of a namespace the route module manages, in its shape (not the kernel's own)."""
    table = session.links(ns)
    return [view for view in (route.managed_view(item, table, ns) for item in session.routes(ns)) if view is not None]


def describe(session, ns, scope):
    """links, addresses and routes of one namespace (raises NetnsError or OSError)."""
    return {'links': link_views(session, ns, scope), 'addresses': address.addresses_by_device(session, ns),
            'routes': route_views(session, ns)}


def gather(session, names=None, details=False, extra_dirs=()):
    """The netns_info result. An entry that cannot be read is reported on its item; the rest are listed."""
    entries = kernel.list_entries(session.run_dir)
    if names is not None:
        wanted = set(validate.netns_name(name, 'names') for name in names)
        entries = [entry for entry in entries if entry.name in wanted]
    pids = kernel.pids_by_namespace()
    namespaces = []
    live = []
    for entry in entries:
        view = entry_view(entry)
        view['nsid'] = None
        view['pids'] = []
        if entry.kind == kernel.LIVE:
            try:
                view['nsid'] = session.nsid(entry.name)
                live.append(entry.name)
            except NetnsError as exc:
                view.update(state='invalid', problem=exc.msg)
            view['pids'] = pids.get((entry.dev, entry.ino), [])
        namespaces.append(view)
    extra = []
    for directory in extra_dirs:
        for entry in kernel.list_entries(directory):
            view = entry_view(entry, directory)
            view['pids'] = pids.get((entry.dev, entry.ino), []) if entry.kind == kernel.LIVE else []
            extra.append(view)
    result = {'namespaces': namespaces, 'extra': extra}
    if details:
        result['topology'] = _details(session, namespaces, live)
    return result


def _details(session, namespaces, live):
    """Fill links, addresses and routes into each live namespace's view; return the topology description."""
    scope = [None] + live
    by_name = dict((view['name'], view) for view in namespaces)
    described = {None: describe(session, None, scope)}
    for ns in live:
        try:
            described[ns] = describe(session, ns, scope)
        except (NetnsError, OSError) as exc:
            # it went away or cannot be entered: say so on its item, list the others
            problem = exc.msg if isinstance(exc, NetnsError) else from_os_error(exc, 'reading netns %s' % ns).msg
            by_name[ns].update(state='invalid', problem=problem)
            continue
        by_name[ns].update(described[ns])
    topology = {'namespaces': [], 'veths': [], 'links': [], 'addresses': [], 'routes': []}
    views = {}  # (ns, link name) -> link view
    for ns, found in described.items():
        for link in found['links']:
            views[(ns, link['name'])] = link
        if ns is None:
            continue
        item = {'name': ns}
        if by_name[ns].get('nsid') is not None:
            item['nsid'] = by_name[ns]['nsid']
        topology['namespaces'].append(item)
        for link in found['links']:
            if link['kind'] in link_kinds.KINDS and not str(link.get('link') or '').startswith('ifindex '):
                # (a link whose parent is in another namespace was made there and moved: not describable here)
                item = dict((k, v) for k, v in link.items() if k in LINK_OPTIONS and v not in (None, ''))
                item['netns'] = ns
                topology['links'].append(item)
    topology['veths'], host_devs = _veth_items(views)
    for ns, found in described.items():
        addresses = found['addresses']
        if ns is None:
            addresses = dict((dev, cidrs) for dev, cidrs in addresses.items() if dev in host_devs)
        for dev in sorted(addresses):
            item = {'dev': dev, 'address': addresses[dev]}
            if ns is not None:
                item['netns'] = ns
            topology['addresses'].append(item)
        if ns is not None:
            topology['routes'].extend(found['routes'])
    topology['firewalls'] = firewall.described_items(session, list(described))
    return topology


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
