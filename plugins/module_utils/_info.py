# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What exists: every namespace entry, and with details its links, addresses and routes, also as a description
in the topology module's shape (so it can be fed back); with unnamed the namespaces processes and mounts hold
without a name, with owners who holds each (containers, pods, services, processes), with graph a picture.

Nothing is decoded here: links, veth peers, addresses and routes are read back with the same views the kinds'
own resources use (_links, _veth, _address, _route), so a read-back has exactly the shape a module produces.
Finding namespaces and owners is _discovery's, asking the container runtimes _engines', drawing _graph's.

Private to this collection: may change without notice.
"""

import errno
import os

from ansible_collections.linuxnet.netns.plugins.module_utils import _address as address
from ansible_collections.linuxnet.netns.plugins.module_utils import _argspec as argspec
from ansible_collections.linuxnet.netns.plugins.module_utils import _containers as containers
from ansible_collections.linuxnet.netns.plugins.module_utils import _discovery as discovery
from ansible_collections.linuxnet.netns.plugins.module_utils import _engines as engines
from ansible_collections.linuxnet.netns.plugins.module_utils import _firewall as firewall
from ansible_collections.linuxnet.netns.plugins.module_utils import _graph as graphs
from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.plugins.module_utils import _link_kinds as link_kinds
from ansible_collections.linuxnet.netns.plugins.module_utils import _links as links
from ansible_collections.linuxnet.netns.plugins.module_utils import _route as route
from ansible_collections.linuxnet.netns.plugins.module_utils import _validate as validate
from ansible_collections.linuxnet.netns.plugins.module_utils import _veth as veth
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, from_os_error

# the options of a link item of a topology description
LINK_OPTIONS = ('name', 'kind', 'mtu', 'up', 'master', 'link') + tuple(sorted(link_kinds.argument_spec()))

# netns_info's options: the listing's, what to find out beyond it, and where the container runtimes are
NETNS_INFO = dict(
    argspec.NETNS_INFO,
    unnamed=dict(type='bool', default=False),
    owners=dict(type='bool', default=False),
    graph=dict(type='bool', default=False),
    runtimes=dict(type='list', elements='str', choices=list(containers.RUNTIMES), default=list(containers.RUNTIMES)),
    **engines.ENGINE_ARGUMENT_SPEC
)
GONE = 'gone'  # the state of a namespace without a name whose every process exited while it was listed


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


def link_views(session, ns, scope, unnamed=None):
    """Every link of a namespace in link-module shape; a veth also says where its peer is.

    unnamed: {key: inode} of the namespaces of scope that have no name; a peer in one of them is given by name,
    with peer_netns null and that namespace's inode (a name is what could be fed back to a module, a key not)."""
    unnamed = unnamed or {}
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
            if end is not None and end[0] in unnamed:
                view.update(peer=end[1]['name'], peer_netns=None, peer_netns_id=str(link.get('link_netnsid')),
                            peer_netns_inode=unnamed[end[0]])
            elif end is not None:
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


def describe(session, ns, scope, unnamed=None):
    """links, addresses and routes of one namespace (raises NetnsError or OSError)."""
    return {'links': link_views(session, ns, scope, unnamed), 'addresses': address.addresses_by_device(session, ns),
            'routes': route_views(session, ns)}


def run(argument_spec=None):
    """The netns_info module: read everything asked for, change nothing."""
    from ansible_collections.linuxnet.netns.plugins.module_utils._runner import fail, new_module

    module = new_module(argument_spec or NETNS_INFO, read_only=True)
    params = module.params
    try:
        settings = dict((key, params.get(key)) for key in engines.ENGINE_ARGUMENT_SPEC)
        if params['owners']:
            check_engine_settings(settings, params['runtimes'])
        with discovery.DiscoverySession(check_mode=True) as session:
            result = gather(session, names=params['names'], details=params['details'],
                            extra_dirs=params['extra_dirs'], unnamed=params['unnamed'], owners=params['owners'],
                            graph=params['graph'], runtimes=params['runtimes'], settings=settings)
    except NetnsError as exc:
        fail(module, exc)
    except OSError as exc:
        # whatever was not said on an item (each is caught where it concerns one): a clean failure
        fail(module, from_os_error(exc, 'listing the network namespaces'))
    module.exit_json(changed=False, **result)


def check_engine_settings(settings, runtimes):
    """The runtimes' sockets must be local unix sockets: a bad one fails here, naming its option."""
    for runtime, option in (('docker', 'docker_host'), ('containerd', 'containerd_address'), ('crio', 'crio_address')):
        if runtime in runtimes:
            containers.unix_socket_path(settings.get(option), option)


def list_entries(directory, required=False):
    """[(entry, None) or (None, error view)] of a directory of namespace entries: one that cannot be looked at is
    reported on its item. A directory that cannot be listed fails when required (/run/netns), else is an item."""
    try:
        return [(entry, None) for entry in kernel.list_entries(directory)]
    except OSError:
        pass  # something in it cannot be looked at: again, entry by entry, to say which
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        if exc.errno == errno.ENOENT:  # no directory, no entries
            return []
        problem = from_os_error(exc, 'listing %s' % directory).msg
        if required:
            raise NetnsError(problem)
        return [(None, {'name': None, 'path': directory, 'state': 'invalid', 'method': None, 'problem': problem})]
    found = []
    for name in names:
        try:
            found.append((kernel.inspect_entry(name, directory), None))
        except OSError as exc:
            path = kernel.entry_path(name, directory)
            found.append((None, {'name': name, 'path': path, 'state': 'invalid', 'method': None,
                                 'problem': from_os_error(exc, 'looking at %s' % path).msg}))
    return found


def gather(session, names=None, details=False, extra_dirs=(), unnamed=False, owners=False, graph=False,
           runtimes=containers.RUNTIMES, settings=None):
    """The netns_info result. An entry, namespace, process or runtime that cannot be read is reported on its
    item; the rest are listed. unnamed needs a _discovery.DiscoverySession (to open what has no name)."""
    entries = list_entries(session.run_dir, required=True)
    if names is not None:
        wanted = set(validate.netns_name(name, 'names') for name in names)
        entries = [(entry, error) for entry, error in entries
                   if (entry.name if entry is not None else error['name']) in wanted]
    extra_entries = [(directory, found) for directory in extra_dirs for found in list_entries(directory)]
    unnamed = unnamed and names is None
    pids = {}
    unreadable = []
    if unnamed or (owners and (entries or extra_entries)):
        pids, unreadable = discovery.scan_processes()
    elif entries or extra_entries:
        pids = kernel.pids_by_namespace()
    namespaces = []
    live = []
    for entry, error in entries:
        if entry is None:
            namespaces.append(dict(error, nsid=None, pids=[]))
            continue
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
    for directory, (entry, error) in extra_entries:
        if entry is None:
            extra.append(dict(error, dir=directory, pids=[]))
            continue
        view = entry_view(entry, directory)
        view['pids'] = pids.get((entry.dev, entry.ino), []) if entry.kind == kernel.LIVE else []
        extra.append(view)
    result = {'namespaces': namespaces, 'extra': extra}
    if unnamed or owners:
        _discover(session, result, entries, extra_entries, pids, unnamed, owners, runtimes, settings)
        if unnamed:
            result['unreadable'] = unreadable
    if details or graph:
        keys = dict((view['name'], view) for view in namespaces if view['name'] in live)
        keys.update((view['path'], view) for view in namespaces if view['name'] is None and view['state'] == 'live')
        topology, pictured = _details(session, keys, live, describe_topology=details)
        if details:
            result['topology'] = topology
        else:
            for view in namespaces:
                for key in ('links', 'addresses', 'routes'):
                    view.pop(key, None)
        if graph:
            result['graph'] = graphs.render(graphs.model(pictured))
    return result


def _discover(session, result, entries, extra_entries, pids, unnamed, owners, runtimes, settings):
    """Names, processes and owners of every listed namespace; with unnamed, the namespaces without a name are
    appended to result['namespaces']; with owners, result gains containers and runtimes."""
    host = discovery.host_identity()
    mounts = discovery.nsfs_mounts()
    names = {}  # identity -> [name view], each path once
    for directory, found in [(session.run_dir, item) for item in entries] + list(extra_entries):
        entry = found[0]
        if entry is not None and entry.kind == kernel.LIVE:
            names.setdefault((entry.dev, entry.ino), []).append(discovery.name_view(entry.path))
    for identity, paths in mounts.items():
        known = set(view['path'] for view in names.get(identity, []))
        names.setdefault(identity, []).extend(discovery.name_view(path) for path in paths if path not in known)
    views = {}  # identity -> [item views]
    for view in result['namespaces']:
        if view['state'] == 'live':
            views.setdefault(_identity(view), []).append(view)
    for view in result['extra']:
        if view['state'] == 'live':
            views.setdefault(_identity(view), []).append(view)
    if unnamed:
        named = set(_identity(view) for view in result['namespaces'] if view['state'] == 'live')
        held = (set(pids) | set(mounts)) - named
        for identity in sorted(held, key=lambda item: (item != host, item[1])):
            view = _unnamed_view(session, identity, pids.get(identity, []), mounts.get(identity, []))
            result['namespaces'].append(view)
            views.setdefault(identity, []).append(view)
    processes = {}
    for identity in views:
        processes[identity] = [discovery.process_view(pid) for pid in pids.get(identity, [])]
    owner_of = {}
    if owners:
        records, statuses = engines.list_containers(runtimes, settings)
        groups = discovery.container_namespaces(records, host)
        owner_of = discovery.container_owners(groups, host)
        result['containers'] = [discovery.container_view(record, [view['name'] for view in names.get(
            _record_identity(record), []) if view['dir'] == session.run_dir]) for record in records]
        result['runtimes'] = statuses
    for identity, found in views.items():
        owner = None
        if owners:
            owner = {'kind': 'host'} if identity == host else (
                owner_of.get(identity) or discovery.process_owner(processes[identity]))
        for view in found:
            view.update(host=identity == host, names=names.get(identity, []), processes=processes[identity])
            if owners:
                view['owner'] = owner


def _identity(view):
    """Every nsfs file has the same device, so a live item's inode is its namespace's identity."""
    return (kernel.nsfs_dev(), view['netns_inode'])


def _record_identity(record):
    return (kernel.nsfs_dev(), record['netns_inode']) if record.get('netns_inode') else None


def _unnamed_view(session, identity, pids, mounts):
    """The item of a namespace without a name under /run/netns: opened through a process in it or a mount."""
    paths = ['/proc/%d/ns/net' % pid for pid in pids] + list(mounts)
    key = paths[0]
    session.add_unnamed(key, identity, paths)
    view = {'name': None, 'path': key, 'state': 'live', 'method': None, 'netns_inode': identity[1],
            'nsid': None, 'pids': pids}
    try:
        view['nsid'] = session.nsid(key)
    except NetnsError as exc:
        view.update(state=GONE, problem=exc.msg)
    return view


def _details(session, by_key, named, describe_topology=True):
    """Fill links, addresses and routes into each live namespace's view; return the topology description (of the
    named namespaces; None unless describe_topology) and what the picture is drawn from (every one read).

    by_key: {key: view} of the namespaces to read, named ones by name, the others by the path that opens them."""
    unnamed = dict((key, view['netns_inode']) for key, view in by_key.items() if key not in named)
    hosts = [key for key, view in by_key.items() if view.get('host')]  # the host's own, by a name or unnamed
    keys = [key for key in by_key if key not in hosts or key in named]
    scope = [None] + keys
    described = {None: describe(session, None, scope, unnamed)}
    for ns in keys:
        try:
            described[ns] = describe(session, ns, scope, unnamed)
        except (NetnsError, OSError) as exc:
            # it went away or cannot be entered: say so on its item, list the others
            problem = exc.msg if isinstance(exc, NetnsError) else from_os_error(exc, 'reading netns %s' % ns).msg
            by_key[ns].update(state='invalid' if ns in named else GONE, problem=problem)
            continue
        by_key[ns].update(described[ns])
    for key in hosts:
        if key not in named:
            by_key[key].update(described[None])
    pictured = _pictured(session, described, by_key, unnamed)
    if not describe_topology:
        return None, pictured
    topology = {'namespaces': [], 'veths': [], 'links': [], 'addresses': [], 'routes': []}
    views = {}  # (ns, link name) -> link view
    described_named = [ns for ns in described if ns is None or ns in named]
    for ns in described_named:
        found = described[ns]
        for link in found['links']:
            views[(ns, link['name'])] = link
        if ns is None:
            continue
        item = {'name': ns}
        if by_key[ns].get('nsid') is not None:
            item['nsid'] = by_key[ns]['nsid']
        topology['namespaces'].append(item)
        for link in found['links']:
            if link['kind'] in link_kinds.KINDS and not str(link.get('link') or '').startswith('ifindex '):
                # (a link whose parent is in another namespace was made there and moved: not describable here)
                item = dict((k, v) for k, v in link.items() if k in LINK_OPTIONS and v not in (None, ''))
                item['netns'] = ns
                topology['links'].append(item)
    topology['veths'], host_devs = _veth_items(views)
    for ns in described_named:
        addresses = described[ns]['addresses']
        if ns is None:
            addresses = dict((dev, cidrs) for dev, cidrs in addresses.items() if dev in host_devs)
        for dev in sorted(addresses):
            item = {'dev': dev, 'address': addresses[dev]}
            if ns is not None:
                item['netns'] = ns
            topology['addresses'].append(item)
        if ns is not None:
            topology['routes'].extend(described[ns]['routes'])
    topology['firewalls'] = firewall.described_items(session, described_named)
    return topology, pictured


def cluster_id(ns, unnamed):
    """The id of a namespace in the picture: no name can look like the host's or an unnamed one's (no "/")."""
    if ns is None:
        return graphs.HOST
    if ns in unnamed:
        return 'inode/%d' % unnamed[ns]
    return 'netns/%s' % ns


def _pictured(session, described, by_key, unnamed):
    """What _graph.model draws: each namespace read, its links with the cluster of each veth peer and of a parent
    in another namespace, its addresses, and lines saying who owns it and where it routes."""
    scope = list(described)
    pictured = []
    for ns, found in described.items():
        view = by_key.get(ns, {})
        owner = view.get('owner')
        if ns is None:
            label = graphs.HOST
        elif ns in unnamed:
            label = owner_label(owner) or 'netns inode %d' % unnamed[ns]
        else:
            label = ns
        notes = []
        if ns is not None and owner and owner.get('kind') in ('container', 'pod', 'service'):
            if ns not in unnamed:
                notes.append(owner_label(owner))
        if ns in unnamed:
            notes.append('inode %d' % unnamed[ns])
        parents = _remote_parents(session, ns, scope)
        pictured_links = []
        for link in found['links']:
            item = dict(link)
            if link.get('peer'):
                if 'peer_netns_inode' in link:
                    item['peer_cluster'] = 'inode/%d' % link['peer_netns_inode']
                else:
                    item['peer_cluster'] = cluster_id(link.get('peer_netns'), unnamed)
            if link['name'] in parents:
                item['parent_cluster'] = cluster_id(parents[link['name']][0], unnamed)
                item['parent'] = parents[link['name']][1]
            pictured_links.append(item)
        pictured.append({'id': cluster_id(ns, unnamed), 'label': label, 'notes': notes, 'host': ns is None,
                         'links': pictured_links, 'addresses': found['addresses'],
                         'routes': [{'text': route_line(item), 'dev': item.get('dev')} for item in found['routes']]})
    return pictured


def _remote_parents(session, ns, scope):
    """{link name: (namespace, parent name)} of the vxlan/macvlan/vlan links of ns whose parent is in another
    namespace (made there, then moved here): IFLA_LINK is an ifindex there, IFLA_LINK_NETNSID ns's id for it."""
    found = {}
    for link in session.links(ns):
        if link.get('kind') not in graphs.PARENT_KINDS or link.get('link_netnsid') is None or not link.get('link'):
            continue
        for other in scope:
            if other == ns:
                continue
            parent = session.links(other).by_index.get(link['link'])
            if parent is not None and session.peer_nsid(ns, other) == link['link_netnsid']:
                found[link['name']] = (other, parent['name'])
                break
    return found


def owner_label(owner):
    """A namespace's owner in a few words: "Docker container web", "containerd pod default/web-1", a unit."""
    if not owner:
        return None
    runtime = containers.LABELS.get(owner.get('runtime'), owner.get('runtime'))
    if owner['kind'] == 'pod':
        return '%s pod %s' % (runtime, owner['name'])
    if owner['kind'] == 'container' and owner.get('pod'):
        return 'pod %s (%s %s)' % (owner['pod'], runtime, owner['name'])
    if owner['kind'] == 'container':
        return '%s container %s' % (runtime, owner['name'])
    if owner['kind'] == 'service':
        return owner['unit']
    if owner['kind'] == 'process':
        command = owner.get('command') or ''
        return 'pid %d %s' % (owner['pid'], command if len(command) <= 40 else command[:37] + '...')
    return owner['kind']


def route_line(item):
    """A route in the picture: "default via 198.18.0.1", "198.18.4.0/24 dev eth1"."""
    text = item.get('dst') or 'default'
    if item.get('gateway'):
        text += ' via %s' % item['gateway']
    elif item.get('dev'):
        text += ' dev %s' % item['dev']
    if item.get('table') not in (None, 'main', 254):
        text += ' table %s' % item['table']
    return text


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
