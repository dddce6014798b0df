# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Route netlink messages without pyroute2: constants, the encoding of the link, address and route requests a
large topology sends thousands of, and a lean table-driven decoder of the kernel's replies.

Nothing but the standard library, so everything a run reads and plans (check mode included) works where
pyroute2 is not installed; what is sent rarely (kind data of bridges and vxlans, fdb entries, nsids) is
encoded with pyroute2's message classes (_nl). Why not pyroute2 for decoding: measured on this class of
machine, it decodes a link message in ~440 us, twenty times the kernel's whole dump time for a small
namespace, and a topology of 500 namespaces reads thousands.

The socket that sends these messages and reads the replies is _netlink_socket, the other half of this: kept
apart so that neither outgrows the size this collection keeps its files to.

Private to this collection: may change without notice.
"""

import os
import socket
import struct

from ansible_collections.linuxnet.netns.plugins.module_utils import _link_kinds as link_kinds

# -- constants (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h) -------
NETLINK_ROUTE = 0
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_DUMP_INTR = 0x10
NLM_F_ACK_TLVS = 0x200
NLM_F_ROOT = 0x100
NLM_F_MATCH = 0x200
NLM_F_REPLACE = 0x100
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLMSGERR_ATTR_MSG = 1
NLA_TYPE_MASK = 0x3fff

RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK = 16, 17, 18, 19
RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR = 20, 21, 22
RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE = 24, 25, 26
RTM_NEWNEIGH, RTM_DELNEIGH, RTM_GETNEIGH = 28, 29, 30
RTM_NEWNSID, RTM_GETNSID = 88, 90
NLM_F_APPEND = 0x800
AF_BRIDGE = 7
NUD_NOARP = 0x40
NUD_PERMANENT = 0x80
NTF_SELF = 0x02
ZERO_MAC = '00:00:00:00:00:00'

IFF_UP = 0x1
IFA_F_SECONDARY = 0x01
IFA_F_NODAD = 0x02
IFA_F_PERMANENT = 0x80
LOOPBACK_IFINDEX = 1  # lo is ifindex 1 in every network namespace
RT_TABLE_MAIN = 254
RT_TABLE_LOCAL = 255
DUMP_RETRIES = 5

_HDR = struct.Struct('=IHHII')
_NLA = struct.Struct('=HH')
_IFINFO = struct.Struct('=BxHiII')
_IFADDR = struct.Struct('=BBBBI')
_RTMSG = struct.Struct('=BBBBBBBBI')
_U32 = struct.Struct('=I')
_I32 = struct.Struct('=i')
_U16 = struct.Struct('=H')
_BE16 = struct.Struct('>H')
_NDMSG = struct.Struct('=BxxxiHBB')
_DUMP_BODY = {RTM_GETLINK: _IFINFO.size, RTM_GETADDR: _IFADDR.size, RTM_GETROUTE: _RTMSG.size}

# attribute numbers decoded here
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_LINK, IFLA_MASTER = 1, 3, 4, 5, 10
IFLA_OPERSTATE, IFLA_LINKINFO, IFLA_LINK_NETNSID = 16, 18, 37
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_FLAGS = 1, 2, 3, 8
RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_PREFSRC, RTA_MULTIPATH, RTA_TABLE = 1, 4, 5, 6, 7, 9, 15
NDA_DST, NDA_LLADDR = 1, 2
NETNSA_NSID, NETNSA_FD = 1, 3


# -- encoding the requests a large topology sends thousands of -----------------------------------------------
# Link, address and route requests are packed here: pyroute2's message classes (_nl) take ~300 us to encode
# one, which at a thousand namespaces is a fifth of a whole first run. The unit tests check every shape
# encoded here byte for byte against pyroute2's encoding of the same request; what is encoded rarely (kind
# data of bridges and vxlans, fdb entries, nsids) stays with pyroute2.
IFLA_NET_NS_FD = 28
VETH_INFO_PEER = 1


def nla(kind, payload):
    """One attribute: header, payload, padding to four bytes."""
    length = 4 + len(payload)
    return _NLA.pack(length, kind) + payload + b'\0' * (-length & 3)


def nla_string(kind, value):
    return nla(kind, value.encode('utf-8', 'surrogateescape') + b'\0')


def nla_u32(kind, value):
    return nla(kind, _U32.pack(value))


def nla_ip(kind, address):
    return nla(kind, socket.inet_pton(socket.AF_INET6 if ':' in address else socket.AF_INET, address))


def nla_mac(kind, mac):
    return nla(kind, bytes(bytearray(int(part, 16) for part in mac.split(':'))))


def encode_attributes(table, values):
    """The attributes of table [(parameter, number, encoder, ...)] whose value is given, in the table's order."""
    return b''.join(entry[2](entry[1], values[entry[0]]) for entry in table if values.get(entry[0]) is not None)


# the attributes of a link request, in the order the kernel is given them: (parameter, number, encoder, the name
# pyroute2 gives it, for the requests pyroute2 still encodes)
LINK_REQUEST_ATTRIBUTES = (
    ('name', IFLA_IFNAME, nla_string, 'IFLA_IFNAME'),
    ('netns_fd', IFLA_NET_NS_FD, nla_u32, 'IFLA_NET_NS_FD'),
    ('mtu', IFLA_MTU, nla_u32, 'IFLA_MTU'),
    ('mac', IFLA_ADDRESS, nla_mac, 'IFLA_ADDRESS'),
    ('master', IFLA_MASTER, nla_u32, 'IFLA_MASTER'),
    ('link', IFLA_LINK, nla_u32, 'IFLA_LINK'),
)
# the optional attributes of a route request, after RTA_TABLE and RTA_DST
ROUTE_REQUEST_ATTRIBUTES = (
    ('metric', RTA_PRIORITY, nla_u32),
    ('gateway', RTA_GATEWAY, nla_ip),
    ('oif', RTA_OIF, nla_u32),
    ('src', RTA_PREFSRC, nla_ip),
)


def link_attributes(**values):
    """The attributes of a link request: name, netns_fd, mtu, mac, master, link, where given."""
    return encode_attributes(LINK_REQUEST_ATTRIBUTES, values)


def ifinfo(index=0, flags=0, change=0):
    return _IFINFO.pack(socket.AF_UNSPEC, 0, index, flags, change)


def link_body(index=0, up=None, attributes=b'', kind=None, peer=None):
    """An ifinfomsg with attributes; kind adds IFLA_LINKINFO, peer (ifinfomsg and attributes, packed) the veth's
    other end in it."""
    flags = change = 0
    if up is not None:
        flags, change = (IFF_UP if up else 0), IFF_UP
    if kind is not None:
        info = nla_string(IFLA_INFO_KIND, kind)
        if peer is not None:
            info += nla(IFLA_INFO_DATA, nla(VETH_INFO_PEER, peer))
        attributes += nla(IFLA_LINKINFO, info)
    return ifinfo(index, flags, change) + attributes


def address_body(index, address, prefixlen, flags=0):
    family = socket.AF_INET6 if ':' in address else socket.AF_INET
    attributes = nla_ip(IFA_LOCAL, address) + nla_ip(IFA_ADDRESS, address)
    if flags:
        attributes += nla_u32(IFA_FLAGS, flags)
    return _IFADDR.pack(family, prefixlen, flags & 0xff, 0, index) + attributes


def route_body(family, dst, dst_len, table, metric, rtype, proto=0, scope=0, tos=0, gateway=None, oif=None,
               src=None, flags=0):
    # tables above 255 do not fit the header: RT_TABLE_COMPAT there, the real id in RTA_TABLE
    header = _RTMSG.pack(socket.AF_INET if family == 4 else socket.AF_INET6, dst_len, 0, tos,
                         table if table < 256 else 252, proto, scope, rtype, flags)
    attributes = nla_u32(RTA_TABLE, table) + (nla_ip(RTA_DST, dst) if dst_len else b'')
    return header + attributes + encode_attributes(
        ROUTE_REQUEST_ATTRIBUTES, {'metric': metric, 'gateway': gateway, 'oif': oif, 'src': src})


class NetlinkError(Exception):
    def __init__(self, code, message=None):
        super(NetlinkError, self).__init__(code, message or os.strerror(code))
        self.code = code
        self.message = message


class DumpInterrupted(Exception):
    """The kernel changed the table during the dump (NLM_F_DUMP_INTR): read it again."""


# -- decoding --------------------------------------------------------------

def _attrs(data, offset, end):
    """Yield (type, payload offset, payload end) of the NLAs in data[offset:end]."""
    while offset + 4 <= end:
        length, kind = _NLA.unpack_from(data, offset)
        if length < 4:
            break
        yield kind & NLA_TYPE_MASK, offset + 4, offset + length
        offset += (length + 3) & ~3


def _string(data, start, stop):
    return data[start:stop].split(b'\0', 1)[0].decode('utf-8', 'surrogateescape')


def _ip(data, start, stop):
    family = socket.AF_INET if stop - start == 4 else socket.AF_INET6
    return socket.inet_ntop(family, bytes(data[start:stop]))


def _mac(data, start, stop):
    return ':'.join('%02x' % byte for byte in bytearray(data[start:stop]))


def _decode_value(kind, data, start, stop):
    if kind == 'u32':
        return _U32.unpack_from(data, start)[0]
    if kind == 'u16':
        return _U16.unpack_from(data, start)[0]
    if kind == 'be16':
        return _BE16.unpack_from(data, start)[0]
    return _ip(data, start, stop)


def _u32(data, start, _stop):
    return _U32.unpack_from(data, start)[0]


def _i32(data, start, _stop):
    return _I32.unpack_from(data, start)[0]


def _u8(data, start, _stop):
    return bytearray(data[start:start + 1])[0]


def _decode(attributes, data, offset, end, into):
    """Fill into[position] for every attribute of the table {number: (position, decoder)} found in
    data[offset:end]."""
    for kind, start, stop in _attrs(data, offset, end):
        known = attributes.get(kind)
        if known is not None:
            into[known[0]] = known[1](data, start, stop)
    return into


class Record(tuple):
    """A decoded kernel object, read like the dict it would otherwise be (link['name'], route.get('metric'),
    dict(address)) but stored as a tuple of its fields: a host with thousands of namespaces holds tens of
    thousands of them at once, and a dict of a dozen keys takes three times the room. Subclasses name the
    fields; FIELD_INDEX is their position."""

    __slots__ = ()
    FIELDS = ()
    FIELD_INDEX = {}

    def __getitem__(self, key):
        return tuple.__getitem__(self, self.FIELD_INDEX[key])

    def get(self, key, default=None):
        index = self.FIELD_INDEX.get(key)
        return default if index is None else tuple.__getitem__(self, index)

    def __contains__(self, key):
        return key in self.FIELD_INDEX

    def __iter__(self):
        return iter(self.FIELDS)

    def keys(self):
        return self.FIELDS

    def values(self):
        return list(tuple.__iter__(self))

    def items(self):
        return list(zip(self.FIELDS, tuple.__iter__(self)))

    def __eq__(self, other):
        if isinstance(other, dict):
            return dict(self.items()) == other
        return tuple.__eq__(self, other)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = tuple.__hash__

    def __repr__(self):
        return '%s(%r)' % (type(self).__name__, dict(self.items()))


def _positions(fields):
    return dict((name, index) for index, name in enumerate(fields))


class Link(Record):
    __slots__ = ()
    FIELDS = ('index', 'name', 'kind', 'mtu', 'mac', 'up', 'flags', 'operstate', 'master', 'link', 'link_netnsid',
              'data')
    FIELD_INDEX = _positions(FIELDS)


class Address(Record):
    __slots__ = ()
    FIELDS = ('index', 'family', 'address', 'prefixlen', 'scope', 'flags', 'label')
    FIELD_INDEX = _positions(FIELDS)


class Route(Record):
    __slots__ = ()
    FIELDS = ('family', 'dst_len', 'table', 'metric', 'tos', 'gateway', 'oif', 'src', 'scope', 'type', 'proto',
              'flags', 'multipath', 'dst')
    FIELD_INDEX = _positions(FIELDS)


def _at(record, attributes):
    """{attribute number: (field position, decoder)} of a table {number: (field name, decoder)}."""
    return dict((number, (record.FIELD_INDEX[name], how)) for number, (name, how) in attributes.items())


LINK_ATTRIBUTES = _at(Link, {
    IFLA_IFNAME: ('name', _string), IFLA_MTU: ('mtu', _u32), IFLA_ADDRESS: ('mac', _mac), IFLA_MASTER: ('master', _u32),
    IFLA_LINK: ('link', _u32), IFLA_LINK_NETNSID: ('link_netnsid', _i32), IFLA_OPERSTATE: ('operstate', _u8)})
ROUTE_ATTRIBUTES = _at(Route, {
    RTA_DST: ('dst', _ip), RTA_OIF: ('oif', _u32), RTA_GATEWAY: ('gateway', _ip), RTA_PRIORITY: ('metric', _u32),
    RTA_PREFSRC: ('src', _ip), RTA_TABLE: ('table', _u32), RTA_MULTIPATH: ('multipath', lambda *_args: True)})
# an address's attributes decode into (address, local, flags, label), of which the record keeps one address
ADDRESS_ATTRIBUTES = {IFA_ADDRESS: (0, _ip), IFA_LOCAL: (1, _ip), IFA_FLAGS: (2, _u32), IFA_LABEL: (3, _string)}
_LINK_POSITION = Link.FIELD_INDEX
_ROUTE_POSITION = Route.FIELD_INDEX


def decode_link(data, offset, end):
    _family, _type, index, flags, _change = _IFINFO.unpack_from(data, offset)
    values = [index, None, None, None, None, bool(flags & IFF_UP), flags, None, None, None, None, {}]
    _decode(LINK_ATTRIBUTES, data, offset + _IFINFO.size, end, values)
    for kind, start, stop in _attrs(data, offset + _IFINFO.size, end):
        if kind != IFLA_LINKINFO:
            continue
        info_data = None
        for sub, sub_start, sub_stop in _attrs(data, start, stop):
            if sub == IFLA_INFO_KIND:
                values[_LINK_POSITION['kind']] = _string(data, sub_start, sub_stop)
            elif sub == IFLA_INFO_DATA:
                info_data = (sub_start, sub_stop)
        schema = link_kinds.DATA_ATTRIBUTES.get(values[_LINK_POSITION['kind']])
        if info_data and schema:
            link_data = values[_LINK_POSITION['data']]
            for sub, sub_start, sub_stop in _attrs(data, info_data[0], info_data[1]):
                if sub in schema:
                    name, how = schema[sub]
                    link_data[name] = _decode_value(how, data, sub_start, sub_stop)
    return Link(values)


def decode_address(data, offset, end):
    family, prefixlen, flags, scope, index = _IFADDR.unpack_from(data, offset)
    # IFA_FLAGS, where given, holds all 32 bits of the flags (the header the lower 8)
    address, local, flags, label = _decode(ADDRESS_ATTRIBUTES, data, offset + _IFADDR.size, end,
                                           [None, None, flags, None])
    ipv4 = family == socket.AF_INET
    # for IPv4, IFA_LOCAL is the interface's own address (IFA_ADDRESS is the peer on point-to-point links)
    return Address((index, 4 if ipv4 else 6, local if (ipv4 and local) else address, prefixlen, scope, flags, label))


def decode_route(data, offset, end):
    family, dst_len, _src_len, tos, table, proto, scope, rtype, flags = _RTMSG.unpack_from(data, offset)
    family = 4 if family == socket.AF_INET else 6
    values = [family, dst_len, table, None, tos, None, None, None, scope, rtype, proto, flags, False, None]
    _decode(ROUTE_ATTRIBUTES, data, offset + _RTMSG.size, end, values)
    dst = values[_ROUTE_POSITION['dst']] or ('0.0.0.0' if family == 4 else '::')
    values[_ROUTE_POSITION['dst']] = '%s/%d' % (dst, dst_len)
    return Route(values)


def _decode_route_outside_local(data, offset, end):
    # rtm_table, the fifth byte of struct rtmsg, holds tables up to 255 (larger ones are RT_TABLE_COMPAT there)
    if _u8(data, offset + 4, None) == RT_TABLE_LOCAL:
        return None
    return decode_route(data, offset, end)


def decode_fdb(data, offset, end):
    """A bridge forwarding entry (AF_BRIDGE neighbour): device, MAC and, for vxlan, the remote."""
    _family, index, state, flags, _type = _NDMSG.unpack_from(data, offset)
    entry = {'index': index, 'state': state, 'flags': flags, 'mac': None, 'dst': None}
    for kind, start, stop in _attrs(data, offset + _NDMSG.size, end):
        if kind == NDA_LLADDR:
            entry['mac'] = _mac(data, start, stop)
        elif kind == NDA_DST:
            entry['dst'] = _ip(data, start, stop)
    return entry


def decode_nsid(data, offset, end):
    for kind, start, _stop in _attrs(data, offset + 4, end):
        if kind == NETNSA_NSID:
            return _I32.unpack_from(data, start)[0]
    return None


def _error(data, offset, length, flags):
    """The NetlinkError an NLMSG_ERROR carries, or None for an acknowledgement (error code 0)."""
    code = _I32.unpack_from(data, offset + _HDR.size)[0]
    if not code:
        return None
    return NetlinkError(-code, _error_message(data, offset, length, flags))


def _error_message(data, offset, length, flags):
    """The extended-ack text the kernel attached to an error, if any ("Unknown device type", ...)."""
    if not flags & NLM_F_ACK_TLVS:
        return None
    start = offset + _HDR.size + 4  # error code
    orig_len = _HDR.unpack_from(data, start)[0]
    start += _HDR.size if flags & 0x100 else orig_len  # NLM_F_CAPPED: only the original header is echoed
    start = (start + 3) & ~3
    for kind, attr_start, attr_stop in _attrs(data, start, offset + length):
        if kind == NLMSGERR_ATTR_MSG:
            return _string(data, attr_start, attr_stop)
    return None
