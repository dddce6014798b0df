# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Files the collection writes (ownership records, persisted topologies, the boot applier, /etc/netns files).

Private to this collection: may change without notice.
"""

import errno
import os
import tempfile

from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError

WRITE_SLICE = 1 << 18  # characters of text encoded and written at a time


def read_text(path):
    """The content of a file, or None if it does not exist."""
    try:
        with open(path) as handle:
            return handle.read()
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise


def make_dirs(directory, what):
    try:
        os.makedirs(directory, 0o755)
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise NetnsError('%s: cannot create %s: %s' % (what, directory, exc.strerror), errno=exc.errno)


def write_atomic(path, content, mode=0o644, what='writing'):
    """Write content to path so that a reader sees the old file or the new one, never a part.

    A temporary file in the same directory is written, flushed to disk (a crash right after must not leave an
    empty file behind: these records decide what a later run deletes), given its mode and renamed over path.
    On any failure the temporary file is removed.
    """
    directory = os.path.dirname(path) or '.'
    make_dirs(directory, what)
    try:
        fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=directory)
    except OSError as exc:
        raise NetnsError('%s: cannot create a file in %s: %s' % (what, directory, exc.strerror), errno=exc.errno)
    try:
        with os.fdopen(fd, 'wb') as handle:
            if isinstance(content, bytes):
                handle.write(content)
            else:
                # encoded a slice at a time: an ownership record of thousands of namespaces is megabytes,
                # and a whole encoded copy beside it would be as many more at the run's peak
                for start in range(0, len(content), WRITE_SLICE):
                    handle.write(content[start:start + WRITE_SLICE].encode('utf-8'))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.rename(tmp, path)
    except OSError as exc:
        _unlink_quietly(tmp)
        raise NetnsError('%s: cannot write %s: %s' % (what, path, exc.strerror), errno=exc.errno)
    except BaseException:
        _unlink_quietly(tmp)
        raise


def update_file(path, content, check_mode=False, mode=0o644, what='writing'):
    """Write the file only where its content differs; return whether it did (or, in check mode, would)."""
    try:
        current = read_text(path)
    except OSError as exc:
        raise NetnsError('%s: cannot read %s: %s' % (what, path, exc.strerror), errno=exc.errno)
    if current == content:
        return False
    if not check_mode:
        write_atomic(path, content, mode, what)
    return True


def remove_file(path, what='removing'):
    """Remove a file; one that is gone already is the goal reached. Returns whether it removed one."""
    try:
        os.unlink(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return False
        raise NetnsError('%s: cannot remove %s: %s' % (what, path, exc.strerror), errno=exc.errno)
    return True


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass
