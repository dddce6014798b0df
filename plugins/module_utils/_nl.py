# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The only place that imports pyroute2: import guard, netlink calls, message parsing.

Private to this collection: may change without notice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import socket
import traceback

from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, errno_message

PYROUTE2_MIN_VERSION = (0, 9, 0)
PYROUTE2_INSTALL_HINT = (
    'Install pyroute2 >= 0.9 for the Python interpreter Ansible uses on the target, '
    'e.g. "python3 -m pip install pyroute2" (Debian 13 / Ubuntu 24.10+ and Fedora ship '
    'python3-pyroute2 >= 0.9; older distributions ship 0.7, which is too old).'
)

try:
    import pyroute2
    from pyroute2 import IPRoute
    from pyroute2.netlink.exceptions import NetlinkError, NetlinkDumpInterrupted
except ImportError:
    HAS_PYROUTE2 = False
    PYROUTE2_IMPORT_ERROR = traceback.format_exc()
    PYROUTE2_VERSION = None

    class NetlinkError(Exception):  # noqa: F811 -- stands in so except clauses still work
        code = 0

    class NetlinkDumpInterrupted(Exception):  # noqa: F811
        pass
else:
    HAS_PYROUTE2 = True
    PYROUTE2_IMPORT_ERROR = None
    PYROUTE2_VERSION = getattr(pyroute2, '__version__', '0')


def version_tuple(text):
    parts = []
    for part in str(text).split('.')[:3]:
        digits = ''.join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)


def pyroute2_too_old():
    """None if the importable pyroute2 is new enough, else a sentence saying what is wrong."""
    if version_tuple(PYROUTE2_VERSION) < PYROUTE2_MIN_VERSION:
        return ('pyroute2 %s is installed but this collection needs >= %s. %s'
                % (PYROUTE2_VERSION, '.'.join(str(x) for x in PYROUTE2_MIN_VERSION), PYROUTE2_INSTALL_HINT))
    return None


IFF_UP = 0x1
IFA_F_NODAD = 0x02
IFA_F_PERMANENT = 0x80
NSID_NOT_ASSIGNED = 4294967295
DUMP_RETRIES = 5


def open_socket():
    """A route netlink socket in the calling thread's current network namespace.

    groups=0: no multicast subscriptions, so a large converge does not fill the
    socket with notifications nobody reads.
    """
    return IPRoute(groups=0)


def call(what, func, *args, **kwargs):
    """Run one netlink request; turn a NetlinkError into a NetnsError that says what failed."""
    try:
        return func(*args, **kwargs)
    except NetlinkError as exc:
        raise NetnsError(errno_message(exc.code, what), value=exc.code)


def dump(what, func, *args, **kwargs):
    """A dump request, retried when the kernel says the dump was interrupted by a change."""
    for attempt in range(DUMP_RETRIES):
        try:
            return list(func(*args, **kwargs))
        except NetlinkDumpInterrupted:
            if attempt == DUMP_RETRIES - 1:
                raise NetnsError('%s failed: the dump kept being interrupted by concurrent changes' % what)
        except NetlinkError as exc:
            raise NetnsError(errno_message(exc.code, what), value=exc.code)
    return []


def is_errno(exc, *codes):
    return isinstance(exc, NetnsError) and exc.value in codes


def parse_link(msg):
    """A link message -> a plain dict with the fields this collection compares."""
    info = msg.get_attr('IFLA_LINKINFO')
    kind = None
    data = {}
    if info is not None:
        kind = info.get_attr('IFLA_INFO_KIND')
        info_data = info.get_attr('IFLA_INFO_DATA')
        if info_data is not None and hasattr(info_data, 'get_attrs'):
            for name, value in info_data['attrs']:
                data[name] = value
    return {
        'index': msg['index'],
        'name': msg.get_attr('IFLA_IFNAME'),
        'kind': kind,
        'mtu': msg.get_attr('IFLA_MTU'),
        'mac': (msg.get_attr('IFLA_ADDRESS') or '').lower() or None,
        'up': bool(msg['flags'] & IFF_UP),
        'flags': msg['flags'],
        'operstate': msg.get_attr('IFLA_OPERSTATE'),
        'master': msg.get_attr('IFLA_MASTER'),
        'link': msg.get_attr('IFLA_LINK'),
        'link_netnsid': msg.get_attr('IFLA_LINK_NETNSID'),
        'data': data,
    }


def parse_address(msg):
    family = msg['family']
    local = msg.get_attr('IFA_LOCAL')
    address = msg.get_attr('IFA_ADDRESS')
    flags = msg.get_attr('IFA_FLAGS')
    if flags is None:
        flags = msg['flags']
    return {
        'index': msg['index'],
        'family': 4 if family == socket.AF_INET else 6,
        # for IPv4 IFA_LOCAL is the interface's own address (IFA_ADDRESS is the peer on p2p links)
        'address': local if (family == socket.AF_INET and local) else address,
        'prefixlen': msg['prefixlen'],
        'scope': msg['scope'],
        'flags': flags,
        'label': msg.get_attr('IFA_LABEL'),
    }


def parse_route(msg):
    family = 4 if msg['family'] == socket.AF_INET else 6
    table = msg.get_attr('RTA_TABLE')
    if table is None:
        table = msg['table']
    dst = msg.get_attr('RTA_DST')
    multipath = msg.get_attr('RTA_MULTIPATH')
    return {
        'family': family,
        'dst': '%s/%d' % (dst, msg['dst_len']) if dst else ('0.0.0.0/0' if family == 4 else '::/0'),
        'dst_len': msg['dst_len'],
        'table': table,
        'metric': msg.get_attr('RTA_PRIORITY'),
        'tos': msg['tos'],
        'gateway': msg.get_attr('RTA_GATEWAY'),
        'oif': msg.get_attr('RTA_OIF'),
        'src': msg.get_attr('RTA_PREFSRC'),
        'scope': msg['scope'],
        'type': msg['type'],
        'proto': msg['proto'],
        'flags': msg['flags'],
        'multipath': multipath is not None,
    }


def no_such_device(exc):
    return is_errno(exc, errno.ENODEV)
