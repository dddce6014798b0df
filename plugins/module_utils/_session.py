# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One run's view of the kernel: namespaces opened once, sockets, cached dumps.

A namespace is entered with setns() in this thread (no fork per namespace,
unlike pyroute2's IPRoute(netns=...)), a netlink socket is created there and
stays bound to that namespace, and the thread returns to its own namespace at
once. Every file descriptor and socket is closed by close().

Private to this collection: may change without notice.
"""

import collections
import contextlib
import ipaddress
import os

from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.plugins.module_utils import _netlink as netlink
from ansible_collections.linuxnet.netns.plugins.module_utils import _nl as nl
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError

# Each open netlink socket costs a few descriptors (socket, event loop, its wake-up pipe); beyond
# this many, the least recently used one is closed and reopened (setns, ~1 ms) when needed again.
MAX_OPEN_SOCKETS = 256
WANTED_NOFILE = 65536


def raise_nofile_limit():
    """A topology of hundreds of namespaces holds one descriptor per namespace: lift the soft limit."""
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = WANTED_NOFILE if hard == resource.RLIM_INFINITY else min(hard, WANTED_NOFILE)
        if soft != resource.RLIM_INFINITY and soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ImportError, ValueError, OSError):
        pass


def label(ns):
    """How messages name a namespace."""
    return 'the host namespace' if ns is None else 'netns %r' % ns


def ns_suffix(ns):
    """How object keys name a namespace: "eth0@red", or nothing for the host's."""
    return '' if ns is None else '@%s' % ns


def _group(items, key):
    """{key: [item, ...]} of a dump; key is a field name or a function of the item."""
    groups = {}
    for item in items:
        groups.setdefault(item[key] if isinstance(key, str) else key(item), []).append(item)
    return groups


def _route_dst(route):
    # the decoder's 'address/length' is what ipaddress prints, except for IPv6 with an embedded IPv4 address,
    # which inet_ntop writes dotted
    dst = route['dst']
    if '.' in dst and ':' in dst:
        return str(ipaddress.ip_network(dst))
    return dst


class LinkTable:
    """The links of one namespace, by name and by index."""

    def __init__(self, links):
        self.by_name = {}
        self.by_index = {}
        for link in links:
            self.add(link)

    def add(self, link):
        if link.get('name') is not None:
            self.by_name[link['name']] = link
        if link.get('index') is not None:
            self.by_index[link['index']] = link

    def get(self, name):
        return self.by_name.get(name)

    def name_of(self, index):
        link = self.by_index.get(index)
        return link['name'] if link else None

    def __iter__(self):
        return iter(sorted(self.by_name.values(), key=lambda link: (link.get('index') or 0, link['name'])))


class Session:
    def __init__(self, check_mode=False, run_dir=kernel.RUN_DIR, brief=False):
        raise_nofile_limit()
        self.check_mode = check_mode
        # brief: reads may leave out what only a diff or an object's returned state shows (the nsid of a
        # namespace being removed); a topology run without diff mode returns neither
        self.brief = brief
        self.run_dir = run_dir
        self.lock = kernel.RunDirLock(run_dir)
        self._host_fd = os.open(kernel.SELF_NS, os.O_RDONLY | getattr(os, 'O_CLOEXEC', 0))
        self._fds = {}
        self._identities = {}  # ns -> (dev, ino) of the namespace open at self._fds[ns]
        self._sockets = collections.OrderedDict()
        self._held = []  # sockets and fds of deleted namespaces, closed by release_deleted()
        self._cache = {}
        self._pids = None
        self._peer_nsids = {}  # (ns, other) -> the id ns has for other, once the kernel has assigned one
        self.warnings = []  # what the module warns about (check mode's assumptions)
        # check mode: what earlier stages of this plan would have created
        self.virtual = set()
        self.virtual_links = {}
        self.virtual_addresses = {}  # (ns, dev) -> set of ip_interface
        self._scratch_fd = None

    # -- lifetime ---------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def close(self):
        self.release_deleted()
        for sock in self._sockets.values():
            try:
                sock.close()
            except Exception:  # pylint: disable=broad-except
                pass
        self._sockets = collections.OrderedDict()
        for fd in self._fds.values():
            os.close(fd)
        self._fds = {}
        self._identities = {}
        if self._scratch_fd is not None:
            os.close(self._scratch_fd)
            self._scratch_fd = None
        if self._host_fd is not None:
            os.close(self._host_fd)
            self._host_fd = None
        self._cache = {}

    # -- namespaces -------------------------------------------------------
    def entry(self, ns):
        return kernel.inspect_entry(ns, self.run_dir, self._identities.get(ns))

    def path(self, ns):
        return kernel.SELF_NS if ns is None else kernel.entry_path(ns, self.run_dir)

    def exists(self, ns):
        if ns is None or ns in self._fds:
            return True
        return self.entry(ns).kind == kernel.LIVE

    def is_virtual(self, ns):
        return ns is not None and ns in self.virtual and ns not in self._fds

    def require(self, ns, param='netns'):
        """Fail unless the namespace exists (or will, earlier in this check-mode plan).

        In check mode a missing namespace is planned as one an earlier task of the same run creates (a dry run
        of a play whose first task makes the namespace and whose second one uses it), with a warning saying so.
        """
        if self.is_virtual(ns) or self.exists(ns):
            return
        entry = self.entry(ns)
        if entry.kind == kernel.ABSENT and self.check_mode:
            self.assume_created(ns, param)
            return
        if entry.kind == kernel.ABSENT:
            raise NetnsError('%s: network namespace %r does not exist (no %s)' % (param, ns, entry.path),
                             param=param, value=ns)
        raise NetnsError('%s: %s is %s' % (param, entry.path, entry.describe()), param=param, value=ns)

    def assume_created(self, ns, param='netns'):
        """Check mode: plan as though the missing namespace ns existed (new and empty), and say so (once)."""
        if ns in self.virtual:
            return
        self.virtual.add(ns)
        self.warnings.append('%s: network namespace %r does not exist; in check mode it is planned as though an '
                             'earlier task of this run created it (a real run fails unless one does)' % (param, ns))

    def fd(self, ns):
        if ns is None:
            return self._host_fd
        fd = self._fds.get(ns)
        if fd is None:
            fd = kernel.open_namespace(self.path(ns), 'network namespace %r' % ns)
            self._fds[ns] = fd
            st = os.fstat(fd)
            self._identities[ns] = (st.st_dev, st.st_ino)
        return fd

    def identity(self, ns):
        if ns is None:
            st = os.fstat(self._host_fd)
            return (st.st_dev, st.st_ino)
        self.fd(ns)
        return self._identities[ns]

    def hold(self, ns):
        """Open namespace ns, about to be deleted: it stays open until the deletions of its stage are done
        (forget(hold=True)), so that the kernel frees it after them, not while they run."""
        self.fd(ns)

    def held_identity(self, ns):
        """(dev, ino) of the namespace ns if this session holds it open (a network namespace: checked when
        opened), else None."""
        return self._identities.get(ns)

    @contextlib.contextmanager
    def inside(self, ns):
        """Run the block with this thread in namespace ns (for /proc/sys/net and the like)."""
        if ns is None:
            yield
            return
        kernel.setns(self.fd(ns))
        try:
            yield
        finally:
            kernel.setns(self._host_fd)

    @contextlib.contextmanager
    def inside_new(self):
        """Run the block inside a fresh, unnamed namespace, as a namespace this plan creates would be.

        Check mode uses it to know the sysctl values a new namespace starts with; the namespace has no
        name and vanishes when the run ends.
        """
        if self._scratch_fd is None:
            kernel.unshare_net()
            try:
                self._scratch_fd = os.open(kernel.SELF_NS, os.O_RDONLY | getattr(os, 'O_CLOEXEC', 0))
            finally:
                kernel.setns(self._host_fd)
        kernel.setns(self._scratch_fd)
        try:
            yield
        finally:
            kernel.setns(self._host_fd)

    def socket(self, ns):
        sock = self._sockets.get(ns)
        if sock is not None:
            self._sockets.move_to_end(ns)
            return sock
        if len(self._sockets) >= MAX_OPEN_SOCKETS:
            _oldest, old = self._sockets.popitem(last=False)
            old.close()
        if ns is None:
            sock = nl.open_socket()
        else:
            with self.inside(ns):
                sock = nl.open_socket()
        self._sockets[ns] = sock
        return sock

    def forget(self, ns, hold=False):
        """The namespace behind this name went away or was replaced: drop what we hold of it.

        With hold (its entry is about to be deleted), the socket and fd stay open until release_deleted(): the
        kernel then frees the namespace when they close, not while its entry is unmounted. Unmounting the last
        reference costs ~0.5 ms per namespace (the kernel starts freeing it while the next one is unmounted);
        unmounting a held one and closing them all afterwards costs a tenth of that.
        """
        sock = self._sockets.pop(ns, None)
        fd = self._fds.pop(ns, None)
        self._identities.pop(ns, None)
        if hold:
            self._held.extend(item for item in (sock, fd) if item is not None)
        else:
            if sock is not None:
                sock.close()
            if fd is not None:
                os.close(fd)
        self.invalidate(ns)
        self._pids = None
        for pair in [pair for pair in self._peer_nsids if ns in pair]:
            del self._peer_nsids[pair]

    def release_deleted(self):
        """Close what forget(hold=True) kept of deleted namespaces (the end of each stage)."""
        held, self._held = self._held, []
        for item in held:
            try:
                if isinstance(item, int):
                    os.close(item)
                else:
                    item.close()
            except Exception:  # pylint: disable=broad-except
                pass

    def nsid(self, ns):
        """The id the host namespace has for ns (what `ip netns list` shows), or None."""
        if ns is None or self.is_virtual(ns):
            return None
        return nl.call('reading the nsid of %s' % label(ns), self.socket(None).get_nsid, self.fd(ns))

    def peer_nsid(self, ns, other):
        """The id namespace ns has for namespace other (what IFLA_LINK_NETNSID carries), or None.

        An assigned id never changes while both namespaces live, so it is asked once; None (not assigned yet:
        the kernel assigns one when a veth first joins the two) is asked again each time.
        """
        known = self._peer_nsids.get((ns, other))
        if known is None:
            known = nl.call('reading the nsid of %s inside %s' % (label(other), label(ns)),
                            self.socket(ns).get_nsid, self.fd(other))
            if known is not None:
                self._peer_nsids[(ns, other)] = known
        return known

    def pids(self, ns):
        if ns is not None and (self.is_virtual(ns) or not self.exists(ns)):
            return []
        if self._pids is None:
            self._pids = kernel.pids_by_namespace()
        return list(self._pids.get(self.identity(ns), []))

    # -- cached dumps -----------------------------------------------------
    def invalidate(self, ns, *what):
        """Forget the dumps (all, or those named) of one namespace; an index goes with the dump it was made of."""
        dumps = self._cache.get(ns)
        if not dumps:
            return
        if not what:
            del self._cache[ns]
            return
        for key in [key for key in dumps if key in what or key.split('_', 1)[0] in what]:
            del dumps[key]  # 'routes' takes 'routes_with_local' and 'routes_by_dst' with it

    def _cached(self, ns, what, loader):
        # per namespace, so that forgetting one namespace's dumps never walks every other's
        dumps = self._cache.setdefault(ns, {})
        if what not in dumps:
            dumps[what] = None if self.is_virtual(ns) else loader()
        return dumps[what]

    def links(self, ns):
        table = self._cached(ns, 'links', lambda: LinkTable(
            nl.dump('listing links in %s' % label(ns), self.socket(ns).links)))
        if table is None:
            # a namespace this plan creates: it will have lo (down), like every new namespace
            table = LinkTable([{'name': 'lo', 'index': None, 'kind': None, 'up': False, 'mtu': 65536,
                                'mac': '00:00:00:00:00:00', 'master': None, 'link': None, 'link_netnsid': None,
                                'data': {}}])
        for link in self.virtual_links.get(ns, {}).values():
            if link['name'] not in table.by_name:
                table.add(link)
        return table

    def addresses(self, ns):
        return self._cached(ns, 'addresses', lambda: nl.dump('listing addresses in %s' % label(ns),
                                                             self.socket(ns).addresses)) or []

    def addresses_of(self, ns, index):
        """The addresses of one device, by ifindex: indexed once per dump, so reading the addresses of every
        device of a namespace with thousands of them stays linear."""
        by_index = self._cached(ns, 'addresses_by_index', lambda: _group(self.addresses(ns), 'index'))
        return (by_index or {}).get(index, [])

    def routes(self, ns, local=False):
        """The routes of a namespace; those of the local table only with local (see nl.Socket.routes): a route
        resource of table local asks for them, everything else looks at the tables a user manages."""
        what = 'routes_with_local' if local else 'routes'
        return self._cached(ns, what, lambda: nl.dump('listing routes in %s' % label(ns),
                                                      self.socket(ns).routes, local)) or []

    def routes_to(self, ns, family, table, dst):
        """The routes of a namespace with this family, table and destination ('198.18.0.0/24'), indexed once
        per dump."""
        local = table == netlink.RT_TABLE_LOCAL
        by_dst = self._cached(ns, 'routes_with_local_by_dst' if local else 'routes_by_dst',
                              lambda: _group(self.routes(ns, local), _route_dst))
        return [route for route in (by_dst or {}).get(dst, ())
                if route['family'] == family and route['table'] == table]

    def fdb(self, ns):
        """Bridge forwarding entries of the namespace (vxlan flood destinations among them)."""
        return self._cached(ns, 'fdb', lambda: nl.dump('listing forwarding entries in %s' % label(ns),
                                                       self.socket(ns).fdb)) or []

    def expect_link(self, ns, link):
        """Check mode: a link an earlier stage would have created exists for later stages."""
        self.virtual_links.setdefault(ns, {})[link['name']] = link
        self.invalidate(ns, 'links')
