# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lean netlink decoder, on messages encoded by pyroute2 (the library the requests are encoded with)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import struct

from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg
from pyroute2.netlink.rtnl.rtmsg import rtmsg

from ansible_collections.linuxnet.netns.plugins.module_utils import _netlink as netlink
from ansible_collections.linuxnet.netns.plugins.module_utils import _nl as nl


def encoded(msg):
    msg.encode()
    return bytes(msg.data)


def test_decode_veth_link():
    msg = ifinfmsg()
    msg['index'] = 7
    msg['flags'] = netlink.IFF_UP
    msg['attrs'] = [('IFLA_IFNAME', 'veth-ns1'), ('IFLA_MTU', 1400), ('IFLA_ADDRESS', '02:00:5e:00:00:01'),
                    ('IFLA_LINK', 2), ('IFLA_LINK_NETNSID', 3), ('IFLA_MASTER', 5),
                    ('IFLA_LINKINFO', {'attrs': [('IFLA_INFO_KIND', 'veth')]})]
    data = encoded(msg)
    link = netlink.decode_link(data, 16, len(data))
    assert link['index'] == 7 and link['up']
    assert link['name'] == 'veth-ns1' and link['mtu'] == 1400 and link['mac'] == '02:00:5e:00:00:01'
    assert link['kind'] == 'veth' and link['link'] == 2 and link['link_netnsid'] == 3 and link['master'] == 5


def test_decode_vxlan_data():
    msg = ifinfmsg()
    msg['index'] = 9
    msg['attrs'] = [('IFLA_IFNAME', 'vx0'),
                    ('IFLA_LINKINFO', {'attrs': [('IFLA_INFO_KIND', 'vxlan'), ('IFLA_INFO_DATA', {'attrs': [
                        ('IFLA_VXLAN_ID', 100), ('IFLA_VXLAN_PORT', 4789), ('IFLA_VXLAN_LOCAL', '198.18.192.1'),
                        ('IFLA_VXLAN_GROUP', '198.18.192.2'), ('IFLA_VXLAN_LINK', 3)]})]})]
    data = encoded(msg)
    link = netlink.decode_link(data, 16, len(data))
    assert not link['up']
    assert link['data'] == {'IFLA_VXLAN_ID': 100, 'IFLA_VXLAN_PORT': 4789, 'IFLA_VXLAN_LOCAL': '198.18.192.1',
                            'IFLA_VXLAN_GROUP': '198.18.192.2', 'IFLA_VXLAN_LINK': 3}


def test_decode_addresses_both_families():
    msg = ifaddrmsg()
    msg['family'] = socket.AF_INET
    msg['prefixlen'] = 24
    msg['index'] = 4
    msg['attrs'] = [('IFA_ADDRESS', '198.18.0.9'), ('IFA_LOCAL', '198.18.0.1'), ('IFA_LABEL', 'eth0')]
    data = encoded(msg)
    address = netlink.decode_address(data, 16, len(data))
    # IFA_LOCAL is the interface's own address on IPv4 (IFA_ADDRESS is a point-to-point peer)
    assert (address['family'], address['address'], address['prefixlen'], address['index']) == (4, '198.18.0.1', 24, 4)
    msg = ifaddrmsg()
    msg['family'] = socket.AF_INET6
    msg['prefixlen'] = 64
    msg['attrs'] = [('IFA_ADDRESS', '2001:db8::1'), ('IFA_FLAGS', netlink.IFA_F_NODAD | netlink.IFA_F_PERMANENT)]
    data = encoded(msg)
    address = netlink.decode_address(data, 16, len(data))
    assert (address['family'], address['address'], address['flags']) == (6, '2001:db8::1', 0x82)


def test_decode_route_default_and_big_table():
    msg = rtmsg()
    msg['family'] = socket.AF_INET
    msg['table'] = 252
    msg['type'] = 1
    msg['proto'] = 4
    msg['attrs'] = [('RTA_TABLE', 4242), ('RTA_GATEWAY', '198.18.0.1'), ('RTA_OIF', 3), ('RTA_PRIORITY', 50)]
    data = encoded(msg)
    route = netlink.decode_route(data, 16, len(data))
    assert route['dst'] == '0.0.0.0/0' and route['table'] == 4242 and route['gateway'] == '198.18.0.1'
    assert route['oif'] == 3 and route['metric'] == 50 and route['proto'] == 4 and not route['multipath']


def test_error_message_from_extended_ack():
    # an NLMSG_ERROR for a capped request, with the kernel's text attached
    text = b'Unknown device type\0'
    attr = struct.pack('=HH', 4 + len(text), netlink.NLMSGERR_ATTR_MSG) + text + b'\0' * (-len(text) % 4)
    original = struct.pack('=IHHII', 32, 16, 5, 1, 0)
    body = struct.pack('=i', -95) + original + attr
    header = struct.pack('=IHHII', 16 + len(body), netlink.NLMSG_ERROR, 0x100 | netlink.NLM_F_ACK_TLVS, 1, 0)
    data = header + body
    error = netlink._error(data, 0, len(data), 0x100 | netlink.NLM_F_ACK_TLVS)
    assert error.code == 95 and error.message == 'Unknown device type'
    ack = struct.pack('=IHHII', 36, netlink.NLMSG_ERROR, 0x100, 1, 0) + struct.pack('=i', 0) + original
    assert netlink._error(ack, 0, len(ack), 0x100) is None


def test_version_check():
    assert nl.version_tuple('0.9.7') == (0, 9, 7)
    assert nl.version_tuple('0.7.2.post1') == (0, 7, 2)
    assert nl.version_tuple('1') == (1, 0, 0)


def test_importing_the_core_leaves_pyroute2_whole_but_unloaded():
    # a fresh interpreter: in this one pytest has imported pyroute2 already
    import os
    import subprocess
    import sys
    probe = (
        'import sys\n'
        'from ansible_collections.linuxnet.netns.plugins.module_utils import _nl\n'
        'assert _nl.HAS_PYROUTE2, _nl.PYROUTE2_IMPORT_ERROR\n'
        'heavy = sorted(m for m in ("pyroute2.ndb.main", "pyroute2.ipdb", "asyncio") if m in sys.modules)\n'
        'import pyroute2\n'
        'from pyroute2 import NDB\n'
        'print(heavy, pyroute2.IPRoute.__name__, NDB.__name__, pyroute2.__version__ == _nl.PYROUTE2_VERSION)\n'
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    out = subprocess.run([sys.executable, '-c', probe], check=True, stdout=subprocess.PIPE,
                         universal_newlines=True, env=env).stdout
    assert out.split() == ['[]', 'IPRoute', 'NDB', 'True']
