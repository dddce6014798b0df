# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Resource hygiene: a thousand module-core runs in one process leave no descriptor, socket or child behind."""

import os
import resource

from conftest import figure, netns_names

from ansible_collections.linuxnet.netns.plugins.module_utils._address import AddressResource
from ansible_collections.linuxnet.netns.plugins.module_utils._veth import VethResource
from ansible_collections.linuxnet.netns.plugins.module_utils._netns import NetnsResource, SysctlResource
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import converge
from ansible_collections.linuxnet.netns.plugins.module_utils._route import RouteResource
from ansible_collections.linuxnet.netns.plugins.module_utils._session import Session

OPERATIONS = 1000


def open_fds():
    return sorted(os.listdir('/proc/self/fd'))


def children():
    me = str(os.getpid())
    result = []
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            try:
                with open('/proc/%s/stat' % pid) as handle:
                    fields = handle.read().rsplit(')', 1)[1].split()
            except (IOError, OSError):
                continue
            if fields[1] == me:
                result.append(pid)
    return result


def objects(prefix, state):
    ns = prefix + '-h'
    return [
        NetnsResource(ns, state),
        SysctlResource(ns, {'net.ipv4.ip_forward': 1}) if state == 'present' else None,
        VethResource({'name': prefix + 'v', 'peer': 'eth0', 'peer_netns': ns, 'state': state}),
        AddressResource({'dev': 'eth0', 'netns': ns, 'address': ['198.18.77.2/24', '2001:db8:77::2/64'], 'state': state}),
        RouteResource({'netns': ns, 'gateway': '198.18.77.1', 'state': state}),
    ]


def test_thousand_core_runs_leave_nothing_open(prefix):
    # warm-up: imports and lazily created objects (libc handle, nsfs dev) are not leaks
    for state in ('present', 'absent'):
        with Session() as session:
            converge(session, [r for r in objects(prefix, state) if r is not None])
    fds_before = open_fds()
    children_before = children()
    operations = 0
    rounds = OPERATIONS // 4
    for round_number in range(rounds):
        for state in ('present', 'present', 'absent', 'absent'):
            with Session(check_mode=(round_number % 5 == 0)) as session:
                converge(session, [r for r in objects(prefix, state) if r is not None])
            operations += 1
    fds_after = open_fds()
    children_after = children()
    figure('hygiene_operations', operations)
    figure('hygiene_fd_delta', len(fds_after) - len(fds_before))
    figure('hygiene_child_delta', len(children_after) - len(children_before))
    figure('hygiene_peak_rss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    assert operations >= OPERATIONS
    assert fds_after == fds_before, 'descriptors leaked: %s' % sorted(set(fds_after) - set(fds_before))
    assert children_after == children_before
    assert netns_names(prefix) == []
