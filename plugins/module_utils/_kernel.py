# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Namespace entries under /run/netns: inspect, create, attach, delete, lock.

Creation follows iproute2's netns_add(): /run/netns is made a shared mount
point the first time, the entry is created with O_CREAT|O_EXCL, the new
namespace is bind-mounted onto it, and the entry is removed again if the
mount fails. Unlike pyroute2's netns.create() nothing is forked: the calling
thread unshares, mounts and returns to its namespace with setns().

Private to this collection: may change without notice.
"""

import ctypes
import ctypes.util
import errno
import fcntl
import os
import stat
import time

from ansible_collections.linuxnet.netns.plugins.module_utils import _link_records as link_records
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NamespaceGone, NetnsError

RUN_DIR = '/run/netns'
ETC_DIR = '/etc/netns'
CLONE_NEWNET = 0x40000000
MS_BIND = 4096
MS_REC = 16384
MS_SHARED = 1 << 20
MNT_DETACH = 2
NS_GET_NSTYPE = 0xb703  # ioctl on an nsfs file: which kind of namespace it is
SELF_NS = '/proc/thread-self/ns/net'
LOCK_TIMEOUT = 60.0

# What an entry under /run/netns can be.
ABSENT = 'absent'  # nothing at that name
LIVE = 'live'  # a bind mount or symlink that resolves to a network namespace
PLACEHOLDER = 'placeholder'  # the empty file iproute2 mounts onto, with nothing mounted (stale)
DANGLING = 'dangling'  # a symlink whose target is gone (e.g. /proc/PID/ns/net of a dead process)
REPLACED = 'replaced'  # a symlink to /proc/PID/ns/net made for a process that exited; PID is someone else's now
FOREIGN = 'foreign'  # anything else: a real file, a directory, a symlink to a non-namespace file
STALE_KINDS = (PLACEHOLDER, DANGLING, REPLACED)
# what the modules report for each kind of entry
STATES = {ABSENT: 'absent', LIVE: 'live', PLACEHOLDER: 'stale', DANGLING: 'stale', REPLACED: 'stale',
          FOREIGN: 'invalid'}
NAMESPACE_TYPES = {0x00020000: 'mount', 0x04000000: 'uts', 0x08000000: 'ipc', 0x10000000: 'user',
                   0x20000000: 'pid', 0x02000000: 'cgroup', 0x00000080: 'time'}


_libc = None
_nsfs_dev = None


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library('c') or None, use_errno=True)
    return _libc


def _check(result, what):
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, '%s: %s' % (what, os.strerror(code)))


def setns(fd):
    """Move the calling thread into the network namespace open at fd."""
    _check(libc().setns(fd, CLONE_NEWNET), 'setns')


def unshare_net():
    _check(libc().unshare(CLONE_NEWNET), 'unshare(CLONE_NEWNET)')


def mount(source, target, flags, fstype=b'none'):
    _check(libc().mount(_b(source), _b(target), fstype, flags, None), 'mount %s' % target)


def umount(target, flags=MNT_DETACH):
    _check(libc().umount2(_b(target), flags), 'umount %s' % target)


def _b(value):
    if isinstance(value, bytes):
        return value
    return value.encode('utf-8', 'surrogateescape')


def nsfs_dev():
    """st_dev shared by every nsfs inode; a file with it is a namespace (as CNI checks NSFS_MAGIC)."""
    global _nsfs_dev
    if _nsfs_dev is None:
        _nsfs_dev = os.stat(SELF_NS).st_dev
    return _nsfs_dev


def is_net_namespace_fd(fd):
    try:
        return fcntl.ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET
    except OSError:
        return False


def namespace_type(path):
    """'net', another namespace type ('uts', 'mount'...), or None, of the nsfs file at path (followed)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, 'O_CLOEXEC', 0))
    except OSError:
        return None
    try:
        kind = fcntl.ioctl(fd, NS_GET_NSTYPE)
    except OSError:
        return None
    finally:
        os.close(fd)
    return 'net' if kind == CLONE_NEWNET else NAMESPACE_TYPES.get(kind, 'unknown')


def entry_path(name, run_dir=RUN_DIR):
    return os.path.join(run_dir, name)


class Entry:
    """What one name under /run/netns is, without following it for anything but stat()."""

    __slots__ = ('name', 'path', 'kind', 'symlink', 'dev', 'ino', 'detail')

    def __init__(self, name, path, kind, symlink=None, dev=None, ino=None, detail=None):
        self.name = name
        self.path = path
        self.kind = kind
        self.symlink = symlink
        self.dev = dev
        self.ino = ino
        self.detail = detail

    @property
    def identity(self):
        return (self.dev, self.ino) if self.kind == LIVE else None

    @property
    def state(self):
        """live, stale (a leftover that can be replaced), invalid (refused), or absent."""
        return STATES[self.kind]

    def describe(self):
        if self.kind == FOREIGN:
            return self.detail
        if self.kind == DANGLING:
            return 'a symlink to %s, which no longer exists' % self.symlink
        if self.kind == PLACEHOLDER:
            return 'an empty entry with no namespace mounted on it (stale)'
        if self.kind == REPLACED:
            return ('a symlink to %s, made for a process that has exited: that pid now belongs to another '
                    'process (stale)' % self.symlink)
        return self.kind


def inspect_entry(name, run_dir=RUN_DIR, identity=None):
    """What /run/netns/NAME is. identity: (dev, ino) of a network namespace the caller holds open under this
    name; an entry mounted from it needs no second look at its type."""
    path = entry_path(name, run_dir)
    try:
        lst = os.lstat(path)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return Entry(name, path, ABSENT)
        raise
    if identity is not None and (lst.st_dev, lst.st_ino) == identity and not stat.S_ISLNK(lst.st_mode):
        return Entry(name, path, LIVE, dev=lst.st_dev, ino=lst.st_ino)
    if stat.S_ISLNK(lst.st_mode):
        target = os.readlink(path)
        try:
            st = os.stat(path)
        except OSError:
            return Entry(name, path, DANGLING, symlink=target)
        if st.st_dev == nsfs_dev() and stat.S_ISREG(st.st_mode):
            kind = namespace_type(path)
            if kind not in ('net', None):
                return Entry(name, path, FOREIGN, symlink=target,
                             detail='a symlink to %s, a %s namespace, not a network namespace' % (target, kind))
            if link_records.pid_reused(name, target):
                return Entry(name, path, REPLACED, symlink=target, dev=st.st_dev, ino=st.st_ino)
            return Entry(name, path, LIVE, symlink=target, dev=st.st_dev, ino=st.st_ino)
        return Entry(name, path, FOREIGN, symlink=target,
                     detail='a symlink to %s, which is not a network namespace' % target)
    if lst.st_dev == nsfs_dev():
        kind = namespace_type(path)
        if kind not in ('net', None):
            return Entry(name, path, FOREIGN, detail='a bind mount of a %s namespace, not a network namespace' % kind)
        return Entry(name, path, LIVE, dev=lst.st_dev, ino=lst.st_ino)
    if stat.S_ISREG(lst.st_mode) and lst.st_size == 0:
        return Entry(name, path, PLACEHOLDER)
    if stat.S_ISDIR(lst.st_mode):
        return Entry(name, path, FOREIGN, detail='a directory, not a network namespace')
    return Entry(name, path, FOREIGN, detail='a file that is not a network namespace '
                 '(neither a bind mount of one nor an empty entry)')


def list_entries(run_dir=RUN_DIR):
    try:
        names = sorted(os.listdir(run_dir))
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return []
        raise
    return [inspect_entry(name, run_dir) for name in names]


def open_namespace(path, what):
    """Open a namespace file read-only; never creates anything. Raises NetnsError if it is not a netns."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, 'O_CLOEXEC', 0))
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise NamespaceGone('%s does not exist (%s not found)' % (what, path))
        raise NetnsError('%s cannot be opened: %s' % (what, exc))
    if os.fstat(fd).st_dev != nsfs_dev() or not is_net_namespace_fd(fd):
        os.close(fd)
        raise NetnsError('%s is not a network namespace (%s is not an nsfs file of type net)' % (what, path))
    return fd


class RunDirLock:
    """Exclusive flock on the /run/netns directory, taken by every writer of this collection.

    It serialises creators the way iproute2's own directory lock does, so two
    runs never both decide that a name is free.
    """

    def __init__(self, run_dir=RUN_DIR, timeout=LOCK_TIMEOUT):
        self.run_dir = run_dir
        self.timeout = timeout
        self.fd = None
        self.depth = 0
        # made shared once per lock object: the recursive propagation change walks every entry mounted there,
        # about 1 ms with a thousand, and once shared the directory stays so
        self.shared = False

    def __enter__(self):
        if self.depth == 0:
            make_run_dir(self.run_dir)
            self.fd = os.open(self.run_dir, os.O_RDONLY | os.O_DIRECTORY | getattr(os, 'O_CLOEXEC', 0))
            deadline = time.time() + self.timeout
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                        raise
                    if time.time() > deadline:
                        os.close(self.fd)
                        self.fd = None
                        raise NetnsError('timed out after %ds waiting for the lock on %s '
                                         '(another run is creating or deleting namespaces)'
                                         % (self.timeout, self.run_dir))
                    time.sleep(0.02)
            try:
                # under the lock, so two first-time creators do not both bind /run/netns onto itself
                if not self.shared:
                    share_run_dir(self.run_dir)
                    self.shared = True
            except NetnsError:
                os.close(self.fd)
                self.fd = None
                raise
        self.depth += 1
        return self

    def __exit__(self, *exc_info):
        self.depth -= 1
        if self.depth == 0 and self.fd is not None:
            os.close(self.fd)  # closing drops the flock
            self.fd = None
        return False


def make_run_dir(run_dir=RUN_DIR):
    if os.path.islink(run_dir):
        raise NetnsError('%s is a symlink; refusing to use it' % run_dir)
    try:
        os.mkdir(run_dir, 0o755)
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise NetnsError('cannot create %s: %s' % (run_dir, exc))
    if not os.path.isdir(run_dir):
        raise NetnsError('%s exists but is not a directory' % run_dir)


def share_run_dir(run_dir=RUN_DIR):
    """Make /run/netns a shared mount point, as iproute2 does (the caller holds the lock).

    Shared propagation makes an unmount in one mount namespace unmount the
    entry everywhere, so a deleted namespace is really freed.
    """
    made_mount_point = False
    while True:
        try:
            mount(b'', run_dir, MS_SHARED | MS_REC)
            return
        except OSError as exc:
            if exc.errno != errno.EINVAL or made_mount_point:
                raise NetnsError('cannot make %s a shared mount point: %s' % (run_dir, exc))
        # EINVAL: not a mount point yet; bind it onto itself, then retry once
        try:
            mount(run_dir, run_dir, MS_BIND | MS_REC)
        except OSError as exc:
            raise NetnsError('cannot bind-mount %s onto itself: %s' % (run_dir, exc))
        made_mount_point = True


def _host_fd():
    return os.open(SELF_NS, os.O_RDONLY | getattr(os, 'O_CLOEXEC', 0))


def create_namespace(name, run_dir=RUN_DIR, source=None):
    """Create (or, with source, attach) a namespace entry; return (dev, ino) of the namespace.

    source: None for a new namespace, else a path of an existing nsfs file
    (/proc/PID/ns/net, a SandboxKey) to bind-mount, like `ip netns attach`.
    The caller holds RunDirLock. An empty placeholder left by an interrupted
    creation is reused; anything else at the name is refused.
    """
    path = entry_path(name, run_dir)
    entry = inspect_entry(name, run_dir)
    if entry.kind == LIVE:
        raise NetnsError('network namespace %s already exists at %s' % (name, path))
    if entry.kind in (FOREIGN, DANGLING):
        raise NetnsError('%s is %s; refusing to replace it' % (path, entry.describe()))
    made_entry = False
    if entry.kind == ABSENT:
        try:
            os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_CLOEXEC', 0), 0))
        except OSError as exc:
            raise NetnsError('cannot create namespace file %s: %s' % (path, exc))
        made_entry = True
    try:
        if source is None:
            host = _host_fd()
            try:
                unshare_net()
                try:
                    mount(SELF_NS, path, MS_BIND)
                finally:
                    # back to where we were, whatever happened; the new namespace
                    # lives on only if the bind mount took it
                    setns(host)
            finally:
                os.close(host)
        else:
            mount(source, path, MS_BIND)
    except OSError as exc:
        if made_entry:
            _unlink_quietly(path)
        raise NetnsError('cannot create network namespace %s: %s' % (name, exc))
    st = os.stat(path)
    return (st.st_dev, st.st_ino)


def symlink_namespace(name, target, run_dir=RUN_DIR, start=None):
    """Create /run/netns/NAME as a symlink to target (the seed's `ln -s /proc/PID/ns/net`).

    start: the start time of the process target names, as read when its namespace was opened; it is
    recorded so that the entry reads as stale once that pid belongs to another process.
    """
    path = entry_path(name, run_dir)
    match = link_records.PROC_NET_RE.match(target)
    if match and start is not None and run_dir == RUN_DIR:
        link_records.write(name, int(match.group(1)), start)
    try:
        os.symlink(target, path)
    except OSError as exc:
        link_records.remove(name)
        raise NetnsError('cannot create symlink %s -> %s: %s' % (path, target, exc))


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def delete_entry(name, run_dir=RUN_DIR, identity=None):
    """Remove /run/netns/NAME like `ip netns del`: unmount (all stacked mounts), then unlink.

    A symlink is unlinked, never followed. A file or directory that is not a
    namespace entry is refused. Returns True if something was removed.
    identity: as for inspect_entry.
    """
    path = entry_path(name, run_dir)
    entry = inspect_entry(name, run_dir, identity)
    if entry.kind == ABSENT:
        return False
    if entry.kind == FOREIGN and entry.symlink is None:
        raise NetnsError('%s is %s; refusing to delete it' % (path, entry.describe()))
    if entry.symlink is not None:
        link_records.remove(name)
    else:
        # a racing creator may have stacked two mounts; take them all off
        lst = None
        mounted = entry.kind == LIVE  # (else an empty placeholder)
        attempts = 16
        while mounted and attempts:
            attempts -= 1
            try:
                umount(path)
            except OSError as exc:
                if exc.errno != errno.EINVAL:
                    raise NetnsError('cannot unmount %s: %s' % (path, exc))
                lst = None  # not a mount point (any more)
                break
            try:
                lst = os.lstat(path)
            except OSError:
                return True  # removed meanwhile
            mounted = lst.st_dev == nsfs_dev()
        if lst is None:
            try:
                lst = os.lstat(path)
            except OSError:
                return True
        if not (stat.S_ISREG(lst.st_mode) and lst.st_size == 0):
            raise NetnsError('%s is not an empty entry after unmounting; refusing to delete it' % path)
    try:
        os.unlink(path)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise NetnsError('cannot remove %s: %s' % (path, exc))
    return True


def pids_by_namespace():
    """Map (dev, ino) of every network namespace a process is in -> sorted pids."""
    result = {}
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            st = os.stat('/proc/%s/ns/net' % pid)
        except OSError:
            continue  # exited, or a kernel thread we may not read
        result.setdefault((st.st_dev, st.st_ino), []).append(int(pid))
    for pids in result.values():
        pids.sort()
    return result


def own_identity():
    st = os.stat(SELF_NS)
    return (st.st_dev, st.st_ino)
