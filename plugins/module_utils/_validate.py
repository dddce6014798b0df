# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure validation and normalisation helpers (no kernel access).

Every function raises ParameterError naming the parameter and the value, so
a module can refuse bad input before it changes anything.

Private to this collection: may change without notice.
"""

import ipaddress
import re

from ansible_collections.linuxnet.netns.plugins.module_utils._errors import ParameterError

NAME_MAX = 255  # bytes in a file name, as iproute2's invalid_name() checks
IFNAMSIZ = 16  # includes the terminating NUL, so 15 usable bytes
MAC_RE = re.compile(r'^[0-9a-f]{2}(:[0-9a-f]{2}){5}$')
SYSCTL_RE = re.compile(r'^[A-Za-z0-9_\-.:/@]+$')
MTU_MIN = 68
MTU_MAX = 65535 * 4

RT_TABLE_FILES = (
    '/etc/iproute2/rt_tables',
    '/usr/share/iproute2/rt_tables',
    '/usr/lib/iproute2/rt_tables',
)
RT_TABLE_DIRS = (
    '/etc/iproute2/rt_tables.d',
    '/usr/share/iproute2/rt_tables.d',
    '/usr/lib/iproute2/rt_tables.d',
)
RT_TABLE_BUILTIN = {'unspec': 0, 'default': 253, 'main': 254, 'local': 255}

SCOPES = {'global': 0, 'universe': 0, 'site': 200, 'link': 253, 'host': 254, 'nowhere': 255}
ROUTE_TYPES = {'unicast': 1, 'local': 2, 'blackhole': 6, 'unreachable': 7, 'prohibit': 8, 'throw': 9}


def _as_text(value):
    if isinstance(value, bytes):
        return value.decode('utf-8', 'surrogateescape')
    return value


def netns_name(value, param='name'):
    """A name under /run/netns, with iproute2's rules (and no escape from the directory)."""
    value = _as_text(value)
    if not isinstance(value, str):
        raise ParameterError(param, value, 'a network namespace name must be a string')
    if value == '':
        raise ParameterError(param, value, 'a network namespace name must not be empty')
    if value in ('.', '..'):
        raise ParameterError(param, value, 'a network namespace name must not be "." or ".."')
    if '/' in value:
        raise ParameterError(param, value, 'a network namespace name must not contain "/" '
                             '(it names a file directly under /run/netns)')
    if '\0' in value:
        raise ParameterError(param, value, 'a network namespace name must not contain NUL')
    if len(value.encode('utf-8', 'surrogateescape')) > NAME_MAX:
        raise ParameterError(param, value, 'a network namespace name must be at most %d bytes' % NAME_MAX)
    return value


def optional_netns_name(value, param='netns'):
    """The namespace an object lives in; None or '' mean the host's own namespace."""
    if value is None or value == '':
        return None
    return netns_name(value, param)


def ifname(value, param='name'):
    """An interface name as the kernel's dev_valid_name() accepts it."""
    value = _as_text(value)
    if not isinstance(value, str) or value == '':
        raise ParameterError(param, value, 'an interface name must be a non-empty string')
    if len(value.encode('utf-8', 'surrogateescape')) >= IFNAMSIZ:
        raise ParameterError(param, value, 'an interface name must be at most %d bytes' % (IFNAMSIZ - 1))
    if value in ('.', '..'):
        raise ParameterError(param, value, 'an interface name must not be "." or ".."')
    for char in value:
        if char == '/' or char == ':' or char.isspace() or char == '\0':
            raise ParameterError(param, value, 'an interface name must not contain "/", ":", NUL or whitespace')
    return value


def mac(value, param='mac'):
    """A unicast Ethernet address, normalised to lower case."""
    if value is None:
        return None
    text = str(value).strip().lower().replace('-', ':')
    if not MAC_RE.match(text):
        raise ParameterError(param, value, 'a MAC address must look like 02:00:00:00:00:01')
    if int(text[:2], 16) & 1:
        raise ParameterError(param, value, 'a MAC address must be unicast (lowest bit of the first byte clear)')
    return text


def mtu(value, param='mtu'):
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ParameterError(param, value, 'an MTU must be an integer')
    if number < MTU_MIN or number > MTU_MAX:
        raise ParameterError(param, value, 'an MTU must be between %d and %d' % (MTU_MIN, MTU_MAX))
    return number


def interface_cidr(value, param='address'):
    """An interface address with its prefix length: '10.0.0.1/24' or 'fd00::1/64'.

    A bare address is refused: guessing /32 or /128 silently gives a host no
    connected route, which is rarely what the writer meant.
    """
    text = _as_text(value)
    if not isinstance(text, str) or text.strip() == '':
        raise ParameterError(param, value, 'an address must be a non-empty string like 10.0.0.1/24')
    text = text.strip()
    if '/' not in text:
        raise ParameterError(param, value, 'an address needs a prefix length, e.g. %s/24 or %s/32 for a single host'
                             % (text, text) if ':' not in text else
                             'an address needs a prefix length, e.g. %s/64 or %s/128 for a single host' % (text, text))
    try:
        return ipaddress.ip_interface(text)
    except ValueError as exc:
        raise ParameterError(param, value, 'not a valid IPv4 or IPv6 address with prefix: %s' % exc)


def ip_address(value, param):
    text = _as_text(value)
    if not isinstance(text, str):
        raise ParameterError(param, value, 'an IP address must be a string')
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        raise ParameterError(param, value, 'not a valid IPv4 or IPv6 address')


def route_destination(value, param='dst', family=None):
    """A route destination. 'default' is 0.0.0.0/0 (or ::/0 for family 6); a bare address is a host route,
    as `ip route` reads it. Host bits must be zero, as the kernel requires."""
    text = _as_text(value)
    if text is None:
        text = 'default'
    if not isinstance(text, str) or text.strip() == '':
        raise ParameterError(param, value, 'a route destination must be a non-empty string')
    text = text.strip()
    if text in ('default', 'all', 'any'):
        return ipaddress.ip_network('::/0' if family == 6 else '0.0.0.0/0')
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        if 'host bits set' in str(exc):
            raise ParameterError(param, value, 'host bits are set; did you mean %s?'
                                 % ipaddress.ip_network(text, strict=False))
        raise ParameterError(param, value, 'not a valid destination (default, an address or a CIDR): %s' % exc)
    if family is not None and network.version != family:
        raise ParameterError(param, value, 'is IPv%d but the route is IPv%d' % (network.version, family))
    return network


def read_rt_tables(files=RT_TABLE_FILES, dirs=RT_TABLE_DIRS):
    """Route table names as iproute2 reads them (first definition wins)."""
    import os
    tables = dict(RT_TABLE_BUILTIN)
    paths = list(files)
    for directory in dirs:
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        paths.extend(os.path.join(directory, name) for name in names if name.endswith('.conf'))
    for path in paths:
        try:
            with open(path) as handle:
                lines = handle.readlines()
        except OSError:
            continue
        for line in lines:
            fields = line.split('#', 1)[0].split()
            if len(fields) < 2:
                continue
            try:
                number = int(fields[0], 0)
            except ValueError:
                continue
            tables.setdefault(fields[1], number)
    return tables


_RT_TABLES = []


def _rt_tables():
    if not _RT_TABLES:
        _RT_TABLES.append(read_rt_tables())
    return _RT_TABLES[0]


def route_table(value, param='table', tables=None):
    """A route table given as a number or a name from rt_tables."""
    if value is None:
        return 254
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value).strip()
        try:
            number = int(text, 0)
        except ValueError:
            # main, local, default: defined first, so no file can rename them; the files are read once per run
            known = tables if tables is not None else RT_TABLE_BUILTIN if text in RT_TABLE_BUILTIN else _rt_tables()
            if text not in known:
                raise ParameterError(param, value, 'unknown route table name (not a number and not in '
                                     '/etc/iproute2/rt_tables); known names: %s' % ', '.join(sorted(known)))
            number = known[text]
    if number < 1 or number > 0xFFFFFFFF:
        raise ParameterError(param, value, 'a route table must be between 1 and 4294967295')
    return number


def route_scope(value, param='scope'):
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value).strip()
        if text in SCOPES:
            return SCOPES[text]
        try:
            number = int(text, 0)
        except ValueError:
            raise ParameterError(param, value, 'a scope must be one of %s or a number' % ', '.join(sorted(SCOPES)))
    if number < 0 or number > 255:
        raise ParameterError(param, value, 'a scope number must be between 0 and 255')
    return number


def scope_name(number):
    for name in ('global', 'site', 'link', 'host', 'nowhere'):
        if SCOPES[name] == number:
            return name
    return number


def sysctl_key(value, param='sysctls'):
    """A network sysctl key ('net.ipv4.ip_forward' or 'net/ipv4/ip_forward') -> its /proc/sys relative path.

    Only net.* keys are per network namespace; anything else would change the
    whole host, so it is refused.
    """
    text = _as_text(value)
    if not isinstance(text, str) or not SYSCTL_RE.match(text or ''):
        raise ParameterError(param, value, 'a sysctl key must look like net.ipv4.ip_forward')
    if '/' in text:
        # path form: net/ipv4/conf/eth0.100/forwarding
        parts = text.split('/')
    else:
        parts = text.split('.')
    if any(part in ('', '.', '..') for part in parts):
        raise ParameterError(param, value, 'a sysctl key must not have empty, "." or ".." parts')
    if parts[0] != 'net':
        raise ParameterError(param, value, 'only net.* sysctls belong to a network namespace; '
                             'other keys would change the whole host')
    return '/'.join(parts)


def sysctl_value(value, param='sysctls'):
    """Normalise a sysctl value the way the kernel prints it back (whitespace collapsed)."""
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, (list, tuple)):
        return ' '.join(str(item) for item in value)
    if value is None:
        raise ParameterError(param, value, 'a sysctl value must not be empty')
    return ' '.join(str(value).split())


def etc_file_name(value, param='etc_files'):
    """A file name directly under /etc/netns/NAME/ (what `ip netns exec` bind-mounts over /etc)."""
    text = _as_text(value)
    if not isinstance(text, str) or text in ('', '.', '..') or '/' in text or '\0' in text:
        raise ParameterError(param, value, 'a file name under /etc/netns/NAME/ must be a plain name '
                             'like resolv.conf (no "/", not "." or "..")')
    return text


def integer(value, param, minimum=None, maximum=None):
    if value is None:
        return None
    if isinstance(value, bool):
        raise ParameterError(param, value, 'must be an integer')
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ParameterError(param, value, 'must be an integer')
    if minimum is not None and number < minimum:
        raise ParameterError(param, value, 'must be at least %d' % minimum)
    if maximum is not None and number > maximum:
        raise ParameterError(param, value, 'must be at most %d' % maximum)
    return number
