# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The requests that change the kernel, on the plain socket of _netlink_socket: links, addresses and routes packed
by _netlink (checked byte for byte against pyroute2 in the unit tests), kind data, fdb entries and nsids
encoded with pyroute2's message classes; the pyroute2 import guard; and the helpers that turn netlink errors
into NetnsError.

Only changes need pyroute2: reading and planning (check mode) work without it.

Private to this collection: may change without notice.
"""

import os
import sys
import time
import traceback

from ansible_collections.linuxnet.netns.plugins.module_utils import _netlink as netlink
from ansible_collections.linuxnet.netns.plugins.module_utils import _netlink_socket as netlink_socket
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, errno_message
from ansible_collections.linuxnet.netns.plugins.module_utils._netlink import (
    AF_BRIDGE, IFF_UP, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NTF_SELF, NUD_NOARP, NUD_PERMANENT,
    RTM_DELADDR, RTM_DELLINK, RTM_DELNEIGH, RTM_DELROUTE, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWNEIGH, RTM_NEWNSID,
    RTM_NEWROUTE, ZERO_MAC, DumpInterrupted, NetlinkError,
)

PYROUTE2_MIN_VERSION = (0, 9, 1)
PYROUTE2_INSTALL_HINT = (
    'Install pyroute2 >= 0.9.1 for the Python interpreter Ansible uses on the target, '
    'e.g. "python3 -m pip install pyroute2" (Debian 13 / Ubuntu 24.10+ and Fedora ship '
    'python3-pyroute2 >= 0.9; older distributions ship 0.7, which is too old).'
)
# A table that keeps changing while it is dumped (thousands of fresh IPv6 link-local addresses finishing duplicate
# address detection) interrupts the dump; it is read again after a pause growing to 0.2 s, about 8 s in all.
DUMP_RETRIES = 50
DUMP_PAUSE_MAX = 0.2


def _register_pyroute2_lazily():
    """Make pyroute2's submodules importable without running its package __init__ first.

    That __init__ imports every socket class pyroute2 has (asyncio, ssl, multiprocessing, NDB,
    nl80211...): measured here, 0.3 s of the 0.45 s a plain import takes, paid by every module
    run, while this collection needs only the three message classes below (0.07 s). The package
    is registered from its spec without executing it; the first access to a top-level name
    (``pyroute2.IPRoute``, ``from pyroute2 import NDB``) executes the real __init__ then, so
    other code in the same process sees the whole package as usual.
    """
    if 'pyroute2' in sys.modules:
        return
    import importlib
    import importlib.util
    spec = importlib.util.find_spec('pyroute2')
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        raise ImportError('No module named pyroute2')
    package = importlib.util.module_from_spec(spec)

    def complete_package(name):
        if name.startswith('__'):
            raise AttributeError(name)
        # "from pyroute2 import config" inside pyroute2 asks for a submodule: import just that
        for location in spec.submodule_search_locations:
            if os.path.isdir(os.path.join(location, name)) or os.path.isfile(os.path.join(location, name + '.py')):
                return importlib.import_module('pyroute2.' + name)
        vars(package).pop('__getattr__', None)
        spec.loader.exec_module(package)
        return getattr(package, name)

    package.__getattr__ = complete_package
    sys.modules['pyroute2'] = package


try:
    _register_pyroute2_lazily()
    from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg
    from pyroute2.netlink.rtnl.ndmsg import ndmsg
    from pyroute2.netlink.rtnl.nsidmsg import nsidmsg
except ImportError:
    HAS_PYROUTE2 = False
    PYROUTE2_IMPORT_ERROR = traceback.format_exc()
    PYROUTE2_VERSION = None
    if getattr(sys.modules.get('pyroute2'), '__getattr__', None) is not None:
        # a partial or too old pyroute2: leave no half-registered package behind
        del sys.modules['pyroute2']
else:
    HAS_PYROUTE2 = True
    PYROUTE2_IMPORT_ERROR = None
    try:
        from pyroute2.config.version import __version__ as PYROUTE2_VERSION
    except ImportError:
        PYROUTE2_VERSION = '0'


def version_tuple(text):
    parts = []
    for part in str(text).split('.')[:3]:
        digits = ''.join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)


def pyroute2_too_old():
    """None if the importable pyroute2 is new enough (or missing: HAS_PYROUTE2 says so), else a sentence saying
    what is wrong."""
    if HAS_PYROUTE2 and version_tuple(PYROUTE2_VERSION) < PYROUTE2_MIN_VERSION:
        return ('pyroute2 %s is installed but this collection needs >= %s. %s'
                % (PYROUTE2_VERSION, '.'.join(str(x) for x in PYROUTE2_MIN_VERSION), PYROUTE2_INSTALL_HINT))
    return None


def _link_attributes(**values):
    """What netlink.link_attributes packs, as pyroute2 attribute names and values (its table, its order)."""
    return [(entry[3], values[entry[0]]) for entry in netlink.LINK_REQUEST_ATTRIBUTES
            if values.get(entry[0]) is not None]


class Socket(netlink_socket.Socket):
    """A route netlink socket that can also change things (needs pyroute2)."""

    def _fdb_msg(self, index, dst):
        msg = ndmsg()
        msg['family'] = AF_BRIDGE
        msg['ifindex'] = index
        msg['state'] = NUD_PERMANENT | NUD_NOARP
        msg['flags'] = NTF_SELF
        msg['attrs'] = [('NDA_LLADDR', ZERO_MAC), ('NDA_DST', dst)]
        return msg

    def fdb_append(self, index, dst):
        """`bridge fdb append 00:00:00:00:00:00 dst DST dev INDEX`: one more flood destination of a vxlan."""
        return self.request(self._fdb_msg(index, dst), RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_APPEND)

    def fdb_del(self, index, dst):
        return self.request(self._fdb_msg(index, dst), RTM_DELNEIGH)

    def set_nsid(self, nsid, fd):
        msg = nsidmsg()
        msg['attrs'] = [('NETNSA_NSID', nsid), ('NETNSA_FD', fd)]
        return self.request(msg, RTM_NEWNSID)

    def link_add(self, name, kind, up=False, mtu=None, mac=None, master=None, data=None, peer=None, link=None):
        """Create a link. peer: {name, netns_fd, mtu, mac} for a veth, created in its namespace at once.

        The peer cannot be brought up in the same request: the kernel configures it before pairing
        the two ends, and opening an unpaired veth fails with ENOTCONN.
        """
        flags = NLM_F_CREATE | NLM_F_EXCL
        if data:
            return self._link_add_with_data(name, kind, up, mtu, mac, master, data, link, flags)
        peer_body = None
        if peer is not None:
            peer_body = netlink.ifinfo() + netlink.link_attributes(
                name=peer['name'], netns_fd=peer.get('netns_fd'), mtu=peer.get('mtu'), mac=peer.get('mac'))
        attributes = netlink.link_attributes(name=name, mtu=mtu, mac=mac, master=master, link=link)
        body = netlink.link_body(up=True if up else None, attributes=attributes, kind=kind, peer=peer_body)
        return self.request_body(RTM_NEWLINK, flags, body)

    def _link_add_with_data(self, name, kind, up, mtu, mac, master, data, link, flags):
        # kind data (bridge, vxlan, macvlan options) is encoded by pyroute2, from the names _link_kinds uses
        msg = ifinfmsg()
        attrs = _link_attributes(name=name, mtu=mtu, mac=mac, master=master, link=link)
        attrs.append(('IFLA_LINKINFO', {'attrs': [('IFLA_INFO_KIND', kind), ('IFLA_INFO_DATA', {'attrs': list(data)})]}))
        msg['attrs'] = attrs
        if up:
            msg['flags'] = IFF_UP
            msg['change'] = IFF_UP
        return self.request(msg, RTM_NEWLINK, flags)

    def link_set(self, index, up=None, mtu=None, mac=None, master=None, netns_fd=None, name=None):
        """Change a link, found by index, or by name when index is 0 (saves a lookup)."""
        attributes = netlink.link_attributes(name=name if not index else None, netns_fd=netns_fd, mtu=mtu, mac=mac,
                                             master=master)
        return self.request_body(RTM_NEWLINK, 0, netlink.link_body(index=index, up=up, attributes=attributes))

    def link_del(self, index):
        return self.request_body(RTM_DELLINK, 0, netlink.link_body(index=index))

    def address_add(self, index, address, prefixlen, flags=0):
        return self.request_body(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL,
                                 netlink.address_body(index, address, prefixlen, flags))

    def address_del(self, index, address, prefixlen):
        return self.request_body(RTM_DELADDR, 0, netlink.address_body(index, address, prefixlen))

    def route_replace(self, **route):
        return self.request_body(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, netlink.route_body(**route))

    def route_del(self, **route):
        return self.request_body(RTM_DELROUTE, 0, netlink.route_body(**route))


class ReadingSocket(netlink_socket.Socket):
    """Where pyroute2 is missing: dumps and queries work; asking for a change says what to install."""

    def __getattr__(self, name):
        # only called for names the class lacks: the change requests of Socket
        raise NetnsError('changing the kernel (%s) needs pyroute2, which this Python cannot import. %s'
                         % (name, PYROUTE2_INSTALL_HINT))


def open_socket():
    """A route netlink socket in the calling thread's current network namespace."""
    return Socket() if HAS_PYROUTE2 else ReadingSocket()


def call(what, func, *args, **kwargs):
    """Run one netlink request; turn a NetlinkError into a NetnsError that says what failed."""
    try:
        return func(*args, **kwargs)
    except NetlinkError as exc:
        message = errno_message(exc.code, what)
        if exc.message and exc.message != os.strerror(exc.code):
            message += ' (kernel: %s)' % exc.message
        raise NetnsError(message, errno=exc.code)


def dump(what, func, *args, **kwargs):
    """A dump request, retried when the kernel says the dump was interrupted by a change."""
    for attempt in range(DUMP_RETRIES):
        try:
            return func(*args, **kwargs)
        except DumpInterrupted:
            if attempt == DUMP_RETRIES - 1:
                raise NetnsError('%s failed: the dump kept being interrupted by concurrent changes' % what)
            time.sleep(min(0.001 * 2 ** attempt, DUMP_PAUSE_MAX))
        except NetlinkError as exc:
            raise NetnsError(errno_message(exc.code, what), errno=exc.code)
    return []
