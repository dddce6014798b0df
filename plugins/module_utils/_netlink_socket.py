# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The plain synchronous route netlink socket: sending requests and waiting for their acknowledgements, the
dumps and the one query (the nsid of a namespace) that read the kernel. _nl's sockets extend it with the
requests that change the kernel.

Nothing but the standard library: a dump request is a header and an all-zero family message, and the query a
header, a family byte and one attribute, so everything a run reads works where pyroute2 is not installed.
Why not pyroute2's IPRoute: measured on this class of machine, opening one costs 0.9 ms (an asyncio loop per
socket) against 10 us for a plain netlink socket, and a topology of 500 namespaces opens thousands.

The messages themselves (constants, the structs of their headers, the encoding of requests and the decoder of
replies) are _netlink's. This is the other half of that module, kept apart so that neither outgrows the size
this collection keeps its files to; it imports the few underscored names the two halves share (the header
struct, the dump bodies, the error and local-table decoders), which are no interface for anything else.

Private to this collection: may change without notice.
"""

import errno
import socket
import struct

from ansible_collections.linuxnet.netns.plugins.module_utils._netlink import (
    _DUMP_BODY, _HDR, _NDMSG, AF_BRIDGE, NETLINK_EXT_ACK, NETLINK_ROUTE, NETNSA_FD, NLM_F_ACK, NLM_F_DUMP,
    NLM_F_DUMP_INTR, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, RTM_GETADDR, RTM_GETLINK, RTM_GETNEIGH, RTM_GETNSID,
    RTM_GETROUTE, SOL_NETLINK, DumpInterrupted, NetlinkError, _decode_route_outside_local, _error, decode_address,
    decode_fdb, decode_link, decode_nsid, decode_route,
)

_NSID_FD = struct.Struct('=BxxxHHI')


class Socket:
    """A route netlink socket, bound to the network namespace the thread was in when it was made."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | getattr(socket, 'SOCK_CLOEXEC', 0),
                                  NETLINK_ROUTE)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            try:
                self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
            except (OSError, socket.error):
                pass  # kernels before 4.12: plain errno only
            self.sock.bind((0, 0))
        except Exception:
            self.sock.close()
            raise
        self.seq = 0

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _next_seq(self):
        self.seq = (self.seq + 1) & 0xffffffff or 1
        return self.seq

    def _send(self, msg, msg_type, flags):
        seq = self._next_seq()
        msg['header']['type'] = msg_type
        msg['header']['flags'] = flags
        msg['header']['sequence_number'] = seq
        msg['header']['pid'] = 0
        msg.encode()
        self.sock.send(msg.data)
        return seq

    def _replies(self, seq):
        """Yield (type, flags, data, offset, length) of the replies to request seq until it is done."""
        while True:
            data = self.sock.recv(1 << 20)
            offset = 0
            while offset + _HDR.size <= len(data):
                length, msg_type, flags, msg_seq, _pid = _HDR.unpack_from(data, offset)
                if length < _HDR.size:
                    return
                if msg_seq == seq:
                    yield msg_type, flags, data, offset, length
                offset += (length + 3) & ~3

    def request(self, msg, msg_type, flags=0):
        """Send one request (a pyroute2 message) and wait for its acknowledgement; raise NetlinkError on a
        kernel error."""
        return self._acknowledged(self._send(msg, msg_type, NLM_F_REQUEST | NLM_F_ACK | flags))

    def request_body(self, msg_type, flags, body):
        """Send one request packed here (a body after the header) and wait for its acknowledgement."""
        seq = self._next_seq()
        self.sock.send(_HDR.pack(_HDR.size + len(body), msg_type, NLM_F_REQUEST | NLM_F_ACK | flags, seq, 0) + body)
        return self._acknowledged(seq)

    def _acknowledged(self, seq):
        for reply_type, reply_flags, data, offset, length in self._replies(seq):
            if reply_type == NLMSG_ERROR:
                error = _error(data, offset, length, reply_flags)
                if error is not None:
                    raise error
                return None
        return None

    def query(self, msg_type, body, decoder):
        """A request (body packed by the caller) answered by one message (RTM_GETNSID): decode it."""
        seq = self._next_seq()
        self.sock.send(_HDR.pack(_HDR.size + len(body), msg_type, NLM_F_REQUEST, seq, 0) + body)
        for reply_type, _flags, data, offset, length in self._replies(seq):
            if reply_type == NLMSG_ERROR:
                raise _error(data, offset, length, _flags) or NetlinkError(errno.EIO, 'an acknowledgement, not a reply')
            return decoder(data, offset + _HDR.size, offset + length)
        return None

    def dump(self, msg_type, decoder, body=None):
        # a dump request is a header and a family message, all zero but maybe the family: packed here
        seq = self._next_seq()
        if body is None:
            body = b'\0' * _DUMP_BODY[msg_type]
        self.sock.send(_HDR.pack(_HDR.size + len(body), msg_type, NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + body)
        result = []
        interrupted = False
        for reply_type, flags, data, offset, length in self._replies(seq):
            if flags & NLM_F_DUMP_INTR:
                interrupted = True
            if reply_type == NLMSG_DONE:
                break
            if reply_type == NLMSG_ERROR:
                raise _error(data, offset, length, flags) or NetlinkError(errno.EIO, 'an acknowledgement, not a dump')
            item = decoder(data, offset + _HDR.size, offset + length)
            if item is not None:  # a decoder may leave out what its caller never needs
                result.append(item)
        if interrupted:
            raise DumpInterrupted()
        return result

    # -- what a run reads -----------------------------------------------------
    def links(self):
        return self.dump(RTM_GETLINK, decode_link)

    def addresses(self):
        return self.dump(RTM_GETADDR, decode_address)

    def routes(self, local=True):
        """The routes of every table; without local, not those of the local table, which the kernel fills
        with a handful of routes per address (the address itself, broadcast, multicast) that nothing manages
        unless asked for by name."""
        return self.dump(RTM_GETROUTE, decode_route if local else _decode_route_outside_local)

    def fdb(self):
        return self.dump(RTM_GETNEIGH, decode_fdb, _NDMSG.pack(AF_BRIDGE, 0, 0, 0, 0))

    def get_nsid(self, fd):
        """The id this namespace has for the namespace open at fd, or None."""
        # struct rtgenmsg (family, 3 bytes of padding) and NETNSA_FD
        body = _NSID_FD.pack(socket.AF_UNSPEC, 8, NETNSA_FD, fd)
        nsid = self.query(RTM_GETNSID, body, decode_nsid)
        return None if nsid is None or nsid < 0 else nsid
