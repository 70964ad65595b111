"""Just enough rtnetlink to make bridges, veth pairs, addresses and routes without running ``ip``.

A pod's network used to cost three ``ip`` processes; forking them from a large
server was most of the node's CPU per pod. A netlink request is a pair of
system calls instead. The messages are those ``ip`` sends for the same commands.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import struct
from types import TracebackType

from ._commands import NetworkError

__all__ = ["NetlinkError", "RouteSocket"]

_RTM_NEWLINK = 16
_RTM_DELLINK = 17
_RTM_GETLINK = 18
_RTM_NEWADDR = 20
_RTM_NEWROUTE = 24
_NLMSG_ERROR = 2

_NLM_F_REQUEST = 0x1
_NLM_F_ACK = 0x4
_NLM_F_REPLACE = 0x100
_NLM_F_EXCL = 0x200
_NLM_F_CREATE = 0x400

_IFLA_IFNAME = 3
_IFLA_MASTER = 10
_IFLA_LINKINFO = 18
_IFLA_NET_NS_FD = 28
_IFLA_INFO_KIND = 1
_IFLA_INFO_DATA = 2
_IFLA_INFO_SLAVE_KIND = 4
_IFLA_INFO_SLAVE_DATA = 5
_VETH_INFO_PEER = 1
_IFLA_BRPORT_MODE = 4
_IFA_ADDRESS = 1
_IFA_LOCAL = 2
_RTA_GATEWAY = 5
_NLA_F_NESTED = 0x8000

_IFF_UP = 0x1
_RT_TABLE_MAIN = 254
_RTPROT_BOOT = 3
_RT_SCOPE_UNIVERSE = 0
_RTN_UNICAST = 1

_HEADER = struct.Struct("=IHHII")  # nlmsghdr: length, type, flags, sequence, port id
_LINK = struct.Struct("=BxHiII")  # ifinfomsg: family, device type, index, flags, flags changed
_ADDRESS = struct.Struct("=BBBBI")  # ifaddrmsg: family, prefix length, flags, scope, index
_ROUTE = struct.Struct("=BBBBBBBBI")  # rtmsg: family, dst/src length, tos, table, protocol, scope, type, flags
_ERROR = struct.Struct("=i")  # nlmsgerr: a negative errno, 0 for an acknowledgement
_REPLY_SIZE = 65536


class NetlinkError(NetworkError):
    """The kernel refused a request; ``errno`` tells why."""

    def __init__(self, code: int, request: str) -> None:
        super().__init__(f"{request}: {os.strerror(code)}")
        self.errno = code


def _attribute(kind: int, value: bytes) -> bytes:
    length = 4 + len(value)
    return struct.pack("=HH", length, kind) + value + b"\0" * (-length % 4)


def _nested(kind: int, *attributes: bytes) -> bytes:
    return _attribute(kind | _NLA_F_NESTED, b"".join(attributes))


def _name(kind: int, name: str) -> bytes:
    return _attribute(kind, name.encode() + b"\0")


def _link(index: int = 0, up: bool = False) -> bytes:
    return _LINK.pack(socket.AF_UNSPEC, 0, index, _IFF_UP if up else 0, _IFF_UP if up else 0)


class RouteSocket:
    """A netlink socket of the network namespace of the thread that opens it, for one thread at a time."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, socket.NETLINK_ROUTE)
        self._socket.bind((0, 0))
        self._sequence = 0

    def __enter__(self) -> RouteSocket:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._socket.close()

    def index_of(self, name: str) -> int:
        reply = self._request(_RTM_GETLINK, 0, _link() + _name(_IFLA_IFNAME, name), f"find link {name}")
        index: int = _LINK.unpack_from(reply)[2]
        return index

    def add_bridge(self, name: str) -> None:
        linkinfo = _nested(_IFLA_LINKINFO, _name(_IFLA_INFO_KIND, "bridge"))
        self._request(
            _RTM_NEWLINK,
            _NLM_F_CREATE | _NLM_F_EXCL,
            _link() + _name(_IFLA_IFNAME, name) + linkinfo,
            f"add bridge {name}",
        )

    def add_veth(self, name: str, master: str, peer: str, peer_netns_fd: int) -> None:
        """A veth pair: ``name`` up on bridge ``master`` here, ``peer`` (still down) in the namespace of the fd."""
        peer_link = _link() + _name(_IFLA_IFNAME, peer) + _attribute(_IFLA_NET_NS_FD, struct.pack("=I", peer_netns_fd))
        linkinfo = _nested(
            _IFLA_LINKINFO,
            _name(_IFLA_INFO_KIND, "veth"),
            _nested(_IFLA_INFO_DATA, _attribute(_VETH_INFO_PEER, peer_link)),
        )
        master_index = _attribute(_IFLA_MASTER, struct.pack("=I", self.index_of(master)))
        body = _link(up=True) + _name(_IFLA_IFNAME, name) + master_index + linkinfo
        self._request(_RTM_NEWLINK, _NLM_F_CREATE | _NLM_F_EXCL, body, f"add veth {name}")

    def set_hairpin(self, port: str) -> None:
        """Let the bridge send a packet back out of ``port``, the one it came in by."""
        linkinfo = _nested(
            _IFLA_LINKINFO,
            _name(_IFLA_INFO_SLAVE_KIND, "bridge"),
            _nested(_IFLA_INFO_SLAVE_DATA, _attribute(_IFLA_BRPORT_MODE, b"\1")),
        )
        self._request(_RTM_NEWLINK, 0, _link() + _name(_IFLA_IFNAME, port) + linkinfo, f"set hairpin on {port}")

    def set_up(self, name: str) -> None:
        self._request(_RTM_NEWLINK, 0, _link(up=True) + _name(_IFLA_IFNAME, name), f"set {name} up")

    def add_address(self, device: str, interface: ipaddress.IPv4Interface, replace: bool = False) -> None:
        header = _ADDRESS.pack(
            socket.AF_INET, interface.network.prefixlen, 0, _RT_SCOPE_UNIVERSE, self.index_of(device)
        )
        packed = interface.ip.packed
        flags = _NLM_F_CREATE | (_NLM_F_REPLACE if replace else _NLM_F_EXCL)
        body = header + _attribute(_IFA_LOCAL, packed) + _attribute(_IFA_ADDRESS, packed)
        self._request(_RTM_NEWADDR, flags, body, f"add address {interface} to {device}")

    def add_default_route(self, gateway: ipaddress.IPv4Address) -> None:
        header = _ROUTE.pack(socket.AF_INET, 0, 0, 0, _RT_TABLE_MAIN, _RTPROT_BOOT, _RT_SCOPE_UNIVERSE, _RTN_UNICAST, 0)
        body = header + _attribute(_RTA_GATEWAY, gateway.packed)
        self._request(_RTM_NEWROUTE, _NLM_F_CREATE | _NLM_F_EXCL, body, f"add default route via {gateway}")

    def delete_link(self, name: str) -> bool:
        """Delete link ``name``; False when there was none."""
        try:
            self._request(_RTM_DELLINK, 0, _link() + _name(_IFLA_IFNAME, name), f"delete link {name}")
        except NetlinkError as error:
            if error.errno == errno.ENODEV:
                return False
            raise
        return True

    def _request(self, kind: int, flags: int, body: bytes, description: str) -> bytes:
        """Send one request and return the body of its reply: empty for an acknowledgement."""
        self._sequence += 1
        # A request that only changes something is answered by an acknowledgement only when asked for one.
        flags |= _NLM_F_REQUEST | (0 if kind == _RTM_GETLINK else _NLM_F_ACK)
        self._socket.send(_HEADER.pack(_HEADER.size + len(body), kind, flags, self._sequence, 0) + body)
        while True:
            reply = self._socket.recv(_REPLY_SIZE)
            offset = 0
            while offset + _HEADER.size <= len(reply):
                length, reply_kind, _, sequence, _ = _HEADER.unpack_from(reply, offset)
                if length < _HEADER.size:
                    raise NetworkError(f"{description}: a malformed netlink reply")
                payload = reply[offset + _HEADER.size : offset + length]
                offset += (length + 3) & ~3
                if sequence != self._sequence:
                    continue
                if reply_kind != _NLMSG_ERROR:
                    return payload
                (code,) = _ERROR.unpack_from(payload)
                if code:
                    raise NetlinkError(-code, description)
                return b""
