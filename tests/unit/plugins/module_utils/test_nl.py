# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lean netlink decoder, on messages encoded by pyroute2 (the library the requests are encoded with)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import struct

import pytest

from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg
from pyroute2.netlink.rtnl.rtmsg import rtmsg

from ansible_collections.linuxnet.netns.plugins.module_utils import _netlink as netlink
from ansible_collections.linuxnet.netns.plugins.module_utils import _nl as nl


def encoded(msg):
    msg.encode()
    return bytes(msg.data)


def route_message(family, dst_len, table, attrs, rtype=1, proto=0):
    msg = rtmsg()
    msg['family'] = family
    msg['dst_len'] = dst_len
    msg['table'] = table
    msg['type'] = rtype
    msg['proto'] = proto
    msg['attrs'] = attrs
    return encoded(msg)


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
    data = route_message(socket.AF_INET, 0, 252, [('RTA_TABLE', 4242), ('RTA_GATEWAY', '198.18.0.1'), ('RTA_OIF', 3),
                                                  ('RTA_PRIORITY', 50)], proto=4)
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


# -- the requests packed by _netlink, byte for byte what pyroute2 encodes for the same request ---------------------
def body(msg):
    """What follows the netlink header (16 bytes, packed by the socket) in pyroute2's encoding."""
    return encoded(msg)[16:]


def reference_link(index=0, up=None, attrs=(), kind=None, peer_attrs=None):
    msg = ifinfmsg()
    msg['index'] = index
    if up is not None:
        msg['flags'] = netlink.IFF_UP if up else 0
        msg['change'] = netlink.IFF_UP
    attrs = list(attrs)
    if kind is not None:
        info = [('IFLA_INFO_KIND', kind)]
        if peer_attrs is not None:
            info.append(('IFLA_INFO_DATA', {'attrs': [('VETH_INFO_PEER', {'attrs': list(peer_attrs)})]}))
        attrs.append(('IFLA_LINKINFO', {'attrs': info}))
    msg['attrs'] = attrs
    return body(msg)


def test_link_requests_encode_as_pyroute2_does():
    everything = dict(name='veth-h1', netns_fd=7, mtu=1400, mac='02:00:5e:10:00:01', master=3, link=2)
    assert netlink.link_body(attributes=netlink.link_attributes(**everything), kind='macvlan') == reference_link(
        attrs=[('IFLA_IFNAME', 'veth-h1'), ('IFLA_NET_NS_FD', 7), ('IFLA_MTU', 1400),
               ('IFLA_ADDRESS', '02:00:5e:10:00:01'), ('IFLA_MASTER', 3), ('IFLA_LINK', 2)], kind='macvlan')
    # a veth created up, its peer (odd name length: padding) in another namespace
    peer = netlink.ifinfo() + netlink.link_attributes(name='eth0', netns_fd=9, mtu=9000)
    assert netlink.link_body(up=True, attributes=netlink.link_attributes(name='lnt-a7'), kind='veth',
                             peer=peer) == reference_link(
        up=True, attrs=[('IFLA_IFNAME', 'lnt-a7')], kind='veth',
        peer_attrs=[('IFLA_IFNAME', 'eth0'), ('IFLA_NET_NS_FD', 9), ('IFLA_MTU', 9000)])
    assert netlink.link_body(attributes=netlink.link_attributes(name='br-x'), kind='bridge') == reference_link(
        attrs=[('IFLA_IFNAME', 'br-x')], kind='bridge')
    # set up, set down, move into a namespace by name (index 0), delete
    assert netlink.link_body(index=12, up=True) == reference_link(index=12, up=True)
    assert netlink.link_body(index=12, up=False) == reference_link(index=12, up=False)
    assert netlink.link_body(attributes=netlink.link_attributes(name='v', netns_fd=5)) == reference_link(
        attrs=[('IFLA_IFNAME', 'v'), ('IFLA_NET_NS_FD', 5)])
    assert netlink.link_body(index=4) == reference_link(index=4)


def reference_address(index, address, prefixlen, flags=0):
    msg = ifaddrmsg()
    msg['family'] = socket.AF_INET6 if ':' in address else socket.AF_INET
    msg['prefixlen'] = prefixlen
    msg['index'] = index
    attrs = [('IFA_LOCAL', address), ('IFA_ADDRESS', address)]
    if flags:
        msg['flags'] = flags & 0xff
        attrs.append(('IFA_FLAGS', flags))
    msg['attrs'] = attrs
    return body(msg)


def test_address_requests_encode_as_pyroute2_does():
    for args in ((3, '198.18.0.1', 30), (3, '198.18.0.1', 30, netlink.IFA_F_NODAD),
                 (9, '2001:db8::1', 64, netlink.IFA_F_NODAD), (9, 'fd00:1234::42', 128), (1, '::1', 128, 0x300)):
        assert netlink.address_body(*args) == reference_address(*args), args


def reference_route(family, dst, dst_len, table, metric, rtype, proto=0, scope=0, tos=0, gateway=None, oif=None,
                    src=None, flags=0):
    msg = rtmsg()
    msg['family'] = socket.AF_INET if family == 4 else socket.AF_INET6
    msg['dst_len'] = dst_len
    msg['tos'] = tos
    msg['table'] = table if table < 256 else 252
    msg['proto'] = proto
    msg['scope'] = scope
    msg['type'] = rtype
    msg['flags'] = flags
    attrs = [('RTA_TABLE', table)]
    if dst_len:
        attrs.append(('RTA_DST', dst))
    if metric is not None:
        attrs.append(('RTA_PRIORITY', metric))
    if gateway is not None:
        attrs.append(('RTA_GATEWAY', gateway))
    if oif is not None:
        attrs.append(('RTA_OIF', oif))
    if src is not None:
        attrs.append(('RTA_PREFSRC', src))
    msg['attrs'] = attrs
    return body(msg)


def test_route_requests_encode_as_pyroute2_does():
    for route in (
        dict(family=4, dst='0.0.0.0', dst_len=0, table=254, metric=None, rtype=1, gateway='198.18.0.1'),
        dict(family=4, dst='198.19.0.0', dst_len=16, table=4242, metric=50, rtype=1, proto=4, scope=253, oif=3,
             src='198.18.0.2'),
        dict(family=6, dst='2001:db8:1::', dst_len=48, table=100, metric=1024, rtype=1, gateway='fe80::1', oif=7),
        dict(family=6, dst='::', dst_len=0, table=254, metric=None, rtype=7, tos=0, flags=0),
        dict(family=4, dst='198.18.5.0', dst_len=24, table=254, metric=None, rtype=6),
    ):
        assert netlink.route_body(**route) == reference_route(**route), route


def test_a_record_reads_like_the_dict_it_replaces():
    data = route_message(socket.AF_INET6, 64, 254, [('RTA_DST', '2001:db8::'), ('RTA_OIF', 2)])
    route = netlink.decode_route(data, 16, len(data))
    assert isinstance(route, netlink.Route)
    assert route['dst'] == '2001:db8::/64' and route.get('oif') == 2 and route.get('metric') is None
    assert route.get('nosuchfield', 'default') == 'default' and 'gateway' in route and 'nosuchfield' not in route
    with pytest.raises(KeyError):
        route['nosuchfield']  # pylint: disable=pointless-statement
    as_dict = dict(route)
    assert list(as_dict) == list(netlink.Route.FIELDS) and as_dict['family'] == 6
    assert route == as_dict and as_dict == route and route != dict(as_dict, oif=3)
    assert dict(route, oif=3)['oif'] == 3 and route['oif'] == 2  # a copy changes, the record never does
    with pytest.raises(TypeError):
        route['oif'] = 3


def test_the_local_table_is_left_out_unless_asked_for():
    local, main = [route_message(socket.AF_INET, 32, table, [('RTA_DST', '198.18.0.1'), ('RTA_TABLE', table)], rtype=2)
                   for table in (255, 254)]
    assert netlink._decode_route_outside_local(local, 16, len(local)) is None
    assert netlink._decode_route_outside_local(main, 16, len(main))['table'] == 254
    assert netlink.decode_route(local, 16, len(local))['table'] == 255


class CountingSocket:
    """Stands in for a namespace's netlink socket: the host's routes, counting the dumps asked for."""

    def __init__(self, routes):
        self.all_routes = routes
        self.dumps = []

    def routes(self, local=True):
        self.dumps.append(local)
        return [route for route in self.all_routes if local or route['table'] != netlink.RT_TABLE_LOCAL]


def test_session_reads_the_local_table_only_for_a_route_in_it(tmp_path):
    from ansible_collections.linuxnet.netns.plugins.module_utils._session import Session
    from ansible_collections.linuxnet.netns.tests.unit.plugins.module_utils.fakes import record, route

    # inet_ntop writes an embedded IPv4 address dotted, where ipaddress writes hex
    mapped = record(netlink.Route, dict(route('::ffff:198.18.0.0/120', oif=2), dst='::ffff:198.18.0.0/120'))
    routes = [route('198.18.0.0/24', oif=2), route('198.18.0.1/32', oif=2, table=255, rtype=2), mapped]
    socket_ = CountingSocket(routes)
    session = Session(run_dir=str(tmp_path))
    session.socket = lambda ns: socket_
    try:
        assert session.routes_to(None, 4, 254, '198.18.0.0/24') == [routes[0]]
        assert session.routes(None) == [routes[0], routes[2]] and socket_.dumps == [False]  # one dump, reused
        assert session.routes_to(None, 4, 255, '198.18.0.1/32') == [routes[1]] and socket_.dumps == [False, True]
        # an embedded IPv4 address is matched the way ipaddress writes it
        assert session.routes_to(None, 6, 254, '::ffff:c612:0/120') == [routes[2]]
        session.invalidate(None, 'routes')  # both dumps and their indexes go
        assert session.routes_to(None, 4, 255, '198.18.0.1/32') == [routes[1]]
        assert session.routes(None) == [routes[0], routes[2]] and socket_.dumps == [False, True, True, False]
    finally:
        session.close()
