# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which process a symlink entry (/run/netns/NAME -> /proc/PID/ns/net) was made for.

A symlink entry made by this collection records the pid and start time of its process, so that once the pid
belongs to another process the entry reads as stale instead of silently naming the wrong namespace. The
records are under /run, like /run/netns: gone at boot, as the processes are.

Private to this collection: may change without notice.
"""

import os
import re

from ansible_collections.linuxnet.netns.plugins.module_utils import _files as files

LINK_RECORD_DIR = '/run/linuxnet-netns/symlinks'
PROC_NET_RE = re.compile(r'^/proc/(\d+)/ns/net$')


def process_start(pid):
    """When the process started (clock ticks after boot, /proc/PID/stat field 22), or None if there is none."""
    try:
        with open('/proc/%d/stat' % pid, 'rb') as handle:
            data = handle.read()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: count from the last ")"
    fields = data[data.rindex(b')') + 2:].split()
    return int(fields[19])


def write(name, pid, start):
    files.write_atomic(os.path.join(LINK_RECORD_DIR, name), '%d %d\n' % (pid, start), what='recording a symlink entry')


def read(name):
    try:
        with open(os.path.join(LINK_RECORD_DIR, name)) as handle:
            pid, start = handle.read().split()[:2]
        return int(pid), int(start)
    except (OSError, ValueError):
        return None


def remove(name):
    try:
        os.unlink(os.path.join(LINK_RECORD_DIR, name))
    except OSError:
        pass


def pid_reused(name, target):
    """Was the symlink made (by this collection) for another process than the one holding that pid now?"""
    match = PROC_NET_RE.match(target)
    if not match:
        return False
    record = read(name)
    if record is None or record[0] != int(match.group(1)):
        return False  # not ours, or made for another pid: nothing to compare with
    return process_start(record[0]) != record[1]
