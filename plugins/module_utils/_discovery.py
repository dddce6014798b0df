# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every network namespace of the host, named or not, and who holds it, for netns_info.

A namespace is known by its identity (the device and inode of its nsfs file, as lsns -t net dedupes them):
the processes in it (/proc/*/ns/net), the names that point at it (entries of /run/netns and other
directories, nsfs bind mounts anywhere, from /proc/self/mountinfo), the containers the runtimes say are in it
(_engines.list_containers), and the systemd unit of a process inside (its cgroup). Whatever cannot be read (a
process that exits meanwhile, a /proc entry we may not read, a runtime that is not there) is said on the item
it concerns, and the rest is listed.

Private to this collection: may change without notice.
"""

import errno
import os

from ansible_collections.linuxnet.netns.plugins.module_utils import _containers as containers
from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NamespaceGone, NetnsError, from_os_error
from ansible_collections.linuxnet.netns.plugins.module_utils._session import Session

PROC = '/proc'
MOUNTINFO = '/proc/self/mountinfo'
HOST_NS = '/proc/1/ns/net'
GONE_ERRNOS = (errno.ENOENT, errno.ESRCH)  # the process exited
EXITED = 'exited while it was being listed'


def identity_of(path):
    """(st_dev, st_ino) of a namespace file, following symlinks; None when it is gone or not a namespace."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if st.st_dev == kernel.nsfs_dev() else None


def host_identity():
    """The host's network namespace: pid 1's, or where /proc/1 cannot be read, the one this module runs in."""
    return identity_of(HOST_NS) or identity_of(kernel.SELF_NS)


def scan_processes(proc=PROC):
    """Every process's network namespace: ({identity: sorted pids}, [{pid, problem}] of those not readable).

    A process that exits between the listing of /proc and the look at its namespace is simply not there."""
    pids = {}
    unreadable = []
    try:
        names = os.listdir(proc)
    except OSError as exc:
        raise NetnsError(from_os_error(exc, 'listing %s' % proc).msg)
    for name in names:
        if not name.isdigit():
            continue
        try:
            st = os.stat('%s/%s/ns/net' % (proc, name))
        except OSError as exc:
            if exc.errno not in GONE_ERRNOS:
                unreadable.append({'pid': int(name), 'problem': from_os_error(
                    exc, 'reading %s/%s/ns/net' % (proc, name)).msg})
            continue
        pids.setdefault((st.st_dev, st.st_ino), []).append(int(name))
    for found in pids.values():
        found.sort()
    unreadable.sort(key=lambda item: item['pid'])
    return pids, unreadable


def process_view(pid, proc=PROC):
    """{pid, command}: the command line as ps shows it ([name] for a kernel thread); a process that has exited
    since it was seen has no command and says so."""
    view = {'pid': pid, 'command': None}
    try:
        with open('%s/%d/cmdline' % (proc, pid), 'rb') as handle:
            raw = handle.read(4096)
        command = raw.rstrip(b'\0').replace(b'\0', b' ').decode('utf-8', 'replace')
        if not command:
            with open('%s/%d/comm' % (proc, pid), 'rb') as handle:
                command = '[%s]' % handle.read().strip().decode('utf-8', 'replace')
        view['command'] = command
    except OSError as exc:
        what = 'reading the command of pid %d' % pid
        view['problem'] = EXITED if exc.errno in GONE_ERRNOS else from_os_error(exc, what).msg
    return view


def unit_of(pid, proc=PROC):
    """The systemd service a process belongs to, from its cgroup (cgroup v2, or v1's name=systemd hierarchy):
    the last path component ending in .service; None for none (a session scope, no systemd) or when unreadable."""
    try:
        with open('%s/%d/cgroup' % (proc, pid)) as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        hierarchy, _sep, path = line.partition(':')
        controllers, _sep, path = path.partition(':')
        if hierarchy == '0' or controllers == 'name=systemd':
            for part in reversed(path.split('/')):
                if part.endswith('.service'):
                    return part
    return None


def _unescape(text):
    """A path of /proc/self/mountinfo, where space, tab, newline and backslash are written in octal."""
    for code in ('\\040', '\\011', '\\012', '\\134'):
        text = text.replace(code, chr(int(code[1:], 8)))
    return text


def nsfs_mounts(mountinfo=MOUNTINFO):
    """{identity: [mount point]} of every network namespace bind-mounted somewhere (ip netns add, Docker's
    SandboxKey, CNI's /var/run/netns/cni-...). Empty when mountinfo cannot be read."""
    found = {}
    try:
        with open(mountinfo) as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return found
    for line in lines:
        fields, _sep, fs = line.partition(' - ')
        fields = fields.split()
        if len(fields) < 5 or not fs.startswith('nsfs ') or not fields[3].startswith('net:['):
            continue
        try:
            inode = int(fields[3][len('net:['):].rstrip(']'))
        except ValueError:
            continue
        found.setdefault((kernel.nsfs_dev(), inode), []).append(_unescape(fields[4]))
    return found


def name_view(path):
    return {'name': os.path.basename(path), 'dir': os.path.dirname(path), 'path': path}


# -- containers ---------------------------------------------------------------------------------------------

def container_namespaces(records, host):
    """Where each listed container's namespace is: set netns_inode and host_network on each record (and
    problem where it cannot be told) and return {identity: [records]}.

    The runtime's own handle (a SandboxKey, a CRI netns path) is looked at first, then the pid; a container
    that joined another's namespace without a handle of its own (a CRI container in its pod) is where that one is.
    """
    by_id = dict((record['id'], record) for record in records)
    placed = {}
    for record in records:
        identity = None
        for path in ([record['path']] if record['path'] else []) + (
                ['/proc/%d/ns/net' % record['pid']] if record['pid'] else []):
            identity = identity_of(path)
            if identity is not None:
                break
        placed[record['id']] = identity
    for record in records:
        if placed[record['id']] is None and record['shares_with'] in by_id:
            placed[record['id']] = placed[record['shares_with']]
    groups = {}
    for record in records:
        identity = placed[record['id']]
        record['netns_inode'] = identity[1] if identity else None
        if record['host_network'] is None:
            record['host_network'] = identity == host if identity else None
        if identity is None:
            record['problem'] = ('its network namespace cannot be found: it ' + EXITED if record['pid'] or record['path']
                                 else 'the runtime gives neither a pid nor a namespace path')
            continue
        groups.setdefault(identity, []).append(record)
    return groups


def container_owners(groups, host):
    """{identity: owner view} of the namespaces containers are in (not the host's: it is the host's)."""
    owners = {}
    for identity, members in groups.items():
        if identity == host:
            continue
        owner = containers.namespace_owner(members)
        owners[identity] = dict(containers.owner_view(owner, members), kind=owner['kind'])
    return owners


def process_owner(processes, proc=PROC):
    """The owner of a namespace no runtime knows: the systemd service of a process in it, else its first
    process; None when no process is in it (held by a name or a mount only)."""
    for process in processes:
        unit = unit_of(process['pid'], proc)
        if unit:
            return {'kind': 'service', 'unit': unit, 'pid': process['pid']}
    for process in processes:
        if process.get('command') is not None:
            return {'kind': 'process', 'pid': process['pid'], 'command': process['command']}
    return None


def container_view(record, names):
    """A record as netns_info lists it under containers: the name under /run/netns of its namespace (if any)."""
    view = dict(record)
    view['netns'] = names[0] if names else None
    return view


# -- reading namespaces without a name --------------------------------------------------------------------------

class DiscoverySession(Session):
    """A Session that also reads namespaces without a name.

    Such a namespace is keyed by a path that opens it (/proc/PID/ns/net of a process inside it, or an nsfs
    mount outside /run/netns), which no name can be (a name has no "/"). It is opened from the first of its
    paths that still leads to it: a process may exit, and its pid may be reused by a process elsewhere, so the
    identity of what was opened is checked.
    """

    def __init__(self, *args, **kwargs):
        Session.__init__(self, *args, **kwargs)
        self.unnamed = {}  # key -> [identity, [paths to try]]

    def add_unnamed(self, key, identity, paths):
        self.unnamed[key] = [identity, list(paths)]

    def path(self, ns):
        known = self.unnamed.get(ns)
        if known is not None and known[1]:
            return known[1][0]
        return Session.path(self, ns)

    def entry(self, ns):
        if ns in self.unnamed:
            return kernel.Entry(None, self.path(ns), kernel.LIVE, dev=self.unnamed[ns][0][0],
                                ino=self.unnamed[ns][0][1])
        return Session.entry(self, ns)

    def fd(self, ns):
        known = self.unnamed.get(ns)
        if known is None:
            return Session.fd(self, ns)
        identity, paths = known
        while paths:
            try:
                fd = Session.fd(self, ns)
            except NetnsError:
                fd = None
            if fd is not None:
                st = os.fstat(fd)
                if (st.st_dev, st.st_ino) == identity:
                    return fd
                self.forget(ns)  # that pid is another process's now
            paths.pop(0)
        raise NamespaceGone('the network namespace with inode %d is gone: every process in it %s'
                            % (identity[1], EXITED))
