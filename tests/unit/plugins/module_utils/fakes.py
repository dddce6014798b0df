# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A stand-in for _session.Session that holds decoded kernel state, for the planning tests (no kernel).

The links, addresses, routes and forwarding entries it holds have exactly the keys the dump decoder
(_netlink.decode_link, decode_address, decode_route, decode_fdb) gives them. Only what the resources call
while reading and planning is here: applying a change needs a socket, which this session does not have, so a
test that runs a change fails loudly instead of passing by accident.
"""

import ipaddress

from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.plugins.module_utils import _netlink as netlink
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NamespaceGone
from ansible_collections.linuxnet.netns.plugins.module_utils._session import LinkTable, Session

NSFS_DEV = 4  # st_dev of the fake namespace files
RTPROT_KERNEL = 2
RTPROT_BOOT = 3  # what `ip route add` sets
RTPROT_STATIC = 4  # what the route module sets
RTN_UNICAST = 1
RT_SCOPE_LINK = 253
NUD_PERMANENT = 0x80
NTF_SELF = 0x02
OPER_UP, OPER_DOWN = 6, 2


def record(kind, fields):
    """The record the decoder makes of these fields (every one of them named, none left over)."""
    assert sorted(fields) == sorted(kind.FIELDS), sorted(set(fields) ^ set(kind.FIELDS))
    return kind(tuple(fields[name] for name in kind.FIELDS))


def link(index, name, kind=None, mtu=1500, mac=None, up=True, master=None, parent=None, link_netnsid=None,
         data=None):
    """A link as decode_link returns it; parent is IFLA_LINK (a veth's peer index, a vlan's parent)."""
    return record(netlink.Link, {
        'index': index, 'name': name, 'kind': kind, 'mtu': mtu, 'mac': mac or ('02:00:00:00:00:%02x' % (index or 0)),
        'up': bool(up), 'flags': netlink.IFF_UP if up else 0, 'operstate': OPER_UP if up else OPER_DOWN,
        'master': master, 'link': parent, 'link_netnsid': link_netnsid, 'data': dict(data or {})})


def loopback(up=True):
    return link(netlink.LOOPBACK_IFINDEX, 'lo', mtu=65536, mac=netlink.ZERO_MAC, up=up)


def address(index, cidr, secondary=False, flags=netlink.IFA_F_PERMANENT, label=None):
    """An address as decode_address returns it."""
    interface = ipaddress.ip_interface(cidr)
    if interface.version == 6 and interface.ip.is_link_local:
        scope = RT_SCOPE_LINK
    elif interface.ip.is_loopback:
        scope = 254
    else:
        scope = 0
    return record(netlink.Address, {
        'index': index, 'family': interface.version, 'address': str(interface.ip),
        'prefixlen': interface.network.prefixlen, 'scope': scope,
        'flags': flags | (netlink.IFA_F_SECONDARY if secondary else 0), 'label': label})


def route(dst, gateway=None, oif=None, table=254, metric=None, proto=RTPROT_STATIC, scope=None, rtype=RTN_UNICAST,
          src=None, flags=0, tos=0, multipath=False):
    """A route as decode_route returns it. Like the kernel's dumps, an IPv4 route without a metric has none
    (RTA_PRIORITY is left out when 0) and an IPv6 route always has one; a unicast IPv4 route without gateway
    is link-scope, as `ip route add` makes it."""
    network = ipaddress.ip_network(dst)
    if metric is None and network.version == 6:
        metric = 1024
    if scope is None:
        scope = RT_SCOPE_LINK if network.version == 4 and rtype == RTN_UNICAST and gateway is None else 0
    return record(netlink.Route, {
        'family': network.version, 'dst_len': network.prefixlen, 'table': table, 'metric': metric, 'tos': tos,
        'gateway': gateway, 'oif': oif, 'src': src, 'scope': scope, 'type': rtype, 'proto': proto, 'flags': flags,
        'multipath': multipath, 'dst': '%s/%d' % (network.network_address, network.prefixlen)})


def fdb(index, dst, mac=netlink.ZERO_MAC):
    """A bridge forwarding entry as decode_fdb returns it (a vxlan flood destination by default)."""
    return {'index': index, 'state': NUD_PERMANENT, 'flags': NTF_SELF, 'mac': mac, 'dst': dst}


class FakeNamespace:
    """What the kernel holds for one network namespace."""

    def __init__(self, inode, nsid=None, pids=(), symlink=None, lo_up=True):
        self.inode = inode
        self.nsid = nsid
        self.pids = list(pids)
        self.symlink = symlink
        self.links = [loopback(lo_up)]
        self.addresses = []
        self.routes = []
        self.fdb = []


class FakeSession:
    """The parts of Session that Resource.read and Resource.plan use, over in-memory kernel state.

    The host namespace (None) always exists, with lo up. A name that is neither a namespace nor an entry
    added with add_entry is absent; reading inside it raises NamespaceGone, as opening it would.
    """

    def __init__(self, run_dir, check_mode=False):
        self.run_dir = run_dir
        self.check_mode = check_mode
        self.namespaces = {None: FakeNamespace(1000)}
        self.entries = {}  # name -> kernel.Entry of what is not a live namespace (stale, invalid)
        self.peer_nsids = {}  # (ns, other) -> the id ns has for other
        self.invalidated = []
        # check mode, as in Session
        self.virtual = set()
        self.virtual_links = {}
        self.virtual_addresses = {}

    # -- building the state ---------------------------------------------------------------------------
    def add_netns(self, name, nsid=None, pids=(), symlink=None, lo_up=True):
        self.namespaces[name] = FakeNamespace(1000 + len(self.namespaces), nsid, pids, symlink, lo_up)
        if nsid is not None:
            self.peer_nsids[(None, name)] = nsid
        return self

    def add_entry(self, name, kind, symlink=None, detail=None):
        """An entry under run_dir that is not a live namespace (kernel.PLACEHOLDER, DANGLING, FOREIGN...)."""
        assert kind != kernel.LIVE, 'a live entry is a namespace: use add_netns'
        self.entries[name] = kernel.Entry(name, kernel.entry_path(name, self.run_dir), kind, symlink=symlink,
                                          detail=detail)
        return self

    def add_links(self, ns, *links):
        return self._add(ns, 'links', links)

    def add_addresses(self, ns, *addresses):
        return self._add(ns, 'addresses', addresses)

    def add_routes(self, ns, *routes):
        return self._add(ns, 'routes', routes)

    def add_fdb(self, ns, *entries):
        return self._add(ns, 'fdb', entries)

    def change_link(self, ns, name, **fields):
        """The kernel changed a link (records are immutable, as the decoder's are): replace it."""
        links = self._namespace(ns).links
        for position, item in enumerate(links):
            if item['name'] == name:
                links[position] = record(netlink.Link, dict(item, **fields))
                return self
        raise KeyError(name)

    def _add(self, ns, what, items):
        getattr(self._namespace(ns), what).extend(items)
        return self

    def set_peer_nsid(self, ns, other, nsid):
        """The id namespace ns has for namespace other (IFLA_LINK_NETNSID of ns's veths whose peer is there)."""
        self.peer_nsids[(ns, other)] = nsid
        return self

    def _namespace(self, ns):
        if ns not in self.namespaces:
            raise NamespaceGone('network namespace %r does not exist (%s not found)'
                                % (ns, kernel.entry_path(ns, self.run_dir)))
        return self.namespaces[ns]

    # -- what kernel.list_entries(run_dir) returns (the tests' fixture puts this in its place) -------------
    def list_entries(self, run_dir):
        assert run_dir == self.run_dir, 'listing %s, not this session\'s run_dir %s' % (run_dir, self.run_dir)
        names = set(name for name in self.namespaces if name is not None) | set(self.entries)
        return [self.entry(name) for name in sorted(names)]

    # -- Session ----------------------------------------------------------------------------------------
    def entry(self, name):
        assert name is not None, 'the host namespace has no entry'
        path = kernel.entry_path(name, self.run_dir)
        if name in self.namespaces:
            namespace = self.namespaces[name]
            return kernel.Entry(name, path, kernel.LIVE, symlink=namespace.symlink, dev=NSFS_DEV, ino=namespace.inode)
        return self.entries.get(name) or kernel.Entry(name, path, kernel.ABSENT)

    def hold(self, ns):
        self._namespace(ns)  # raises NamespaceGone like opening it would

    def exists(self, ns):
        return ns in self.namespaces

    def is_virtual(self, ns):
        return ns is not None and ns in self.virtual and ns not in self.namespaces

    # the real one: it only asks is_virtual, exists and entry
    require = Session.require

    def nsid(self, ns):
        if ns is None or self.is_virtual(ns):
            return None
        return self._namespace(ns).nsid

    def peer_nsid(self, ns, other):
        self._namespace(ns)
        self._namespace(other)
        return self.peer_nsids.get((ns, other))

    def pids(self, ns):
        if ns is not None and (self.is_virtual(ns) or not self.exists(ns)):
            return []
        return list(self._namespace(ns).pids)

    def links(self, ns):
        if self.is_virtual(ns):
            # a namespace this plan creates: it will have lo (down), like every new namespace
            table = LinkTable([dict(loopback(up=False), index=None)])
        else:
            table = LinkTable(self._namespace(ns).links)
        for item in self.virtual_links.get(ns, {}).values():
            if item['name'] not in table.by_name:
                table.add(item)
        return table

    def addresses(self, ns):
        return [] if self.is_virtual(ns) else list(self._namespace(ns).addresses)

    def addresses_of(self, ns, index):
        return [item for item in self.addresses(ns) if item['index'] == index]

    def routes(self, ns, local=False):
        # like the kernel reader: the local table only when asked for
        if self.is_virtual(ns):
            return []
        return [route for route in self._namespace(ns).routes if local or route['table'] != 255]

    def routes_to(self, ns, family, table, dst):
        return [route for route in self.routes(ns, local=table == 255)
                if (route['family'], route['table'], str(ipaddress.ip_network(route['dst']))) == (family, table, dst)]

    def fdb(self, ns):
        return [] if self.is_virtual(ns) else list(self._namespace(ns).fdb)

    def invalidate(self, ns, *what):
        self.invalidated.append((ns,) + what)

    def expect_link(self, ns, item):
        self.virtual_links.setdefault(ns, {})[item['name']] = item
        self.invalidate(ns, 'links')


def plan(resource, session):
    """Read, then plan, as converge does for one resource."""
    return resource.plan(session, resource.read(session))


def texts(a_plan):
    return [change.text for change in a_plan.changes]
