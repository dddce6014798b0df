# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Concurrency: several module runs at once on overlapping descriptions end in exactly the description."""

import os

import pytest

from conftest import FULL, figure, netns_names, run_module, parse_result
from test_faults import assert_exactly, description

ROUNDS = 10 if FULL else 1


def run_together(calls):
    """Start every (module, args) at once; return their results."""
    procs = [run_module(module, args, background=True) for module, args in calls]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        os.unlink(proc.args_file)
        results.append(parse_result(proc.returncode, out, err))
    return results


def merged(parts):
    union = dict((key, []) for key in parts[0])
    for part in parts:
        for key, items in part.items():
            for item in items:
                if item not in union[key]:
                    union[key].append(item)
    return union


@pytest.mark.parametrize('writers', [2, 4])
def test_overlapping_topologies_at_once(prefix, writers):
    full = description(prefix, count=6 + 3 * writers)
    for _round in range(ROUNDS):
        # writer k describes namespaces 3k .. 3k+8: each overlaps its neighbours
        parts = []
        for k in range(writers):
            part = dict((key, [item for item in items if _index(item, prefix) in range(3 * k, 3 * k + 9)])
                        for key, items in full.items())
            parts.append(part)
        results = run_together([('topology', dict(part, name='%s-w%d' % (prefix, k), state_dir='/tmp/%s-state' % prefix))
                                for k, part in enumerate(parts)])
        figure('concurrency_runs', len(results))
        errors = [result['msg'] for result in results if result['rc'] != 0]
        figure('concurrency_errors', len(errors))
        assert not errors, errors
        union = merged(parts)
        assert_exactly(prefix, union)
        check = run_module('topology', dict(union, name=prefix + '-check', state_dir='/tmp/%s-state' % prefix))
        assert check['rc'] == 0 and not check['changed'], check.get('actions')
        # and tear down concurrently too
        results = run_together([('topology', dict(part, state='absent', name='%s-w%d' % (prefix, k),
                                                  state_dir='/tmp/%s-state' % prefix))
                                for k, part in enumerate(parts)])
        figure('concurrency_runs', len(results))
        errors = [result['msg'] for result in results if result['rc'] != 0]
        figure('concurrency_errors', len(errors))
        assert not errors, errors
        assert netns_names(prefix) == []


def _index(item, prefix):
    """Which namespace number an item of description() belongs to."""
    for key in ('name', 'netns', 'peer_netns', 'dev'):
        value = item.get(key) or ''
        for marker in (prefix + '-', prefix + 'h'):
            if value.startswith(marker) and value[len(marker):].isdigit():
                return int(value[len(marker):])
    return -1


def test_same_namespace_from_four_netns_runs(prefix):
    for _round in range(ROUNDS * 2 if FULL else 1):
        names = ['%s-n%d' % (prefix, i) for i in range(3)]
        results = run_together([('netns', {'name': name, 'sysctls': {'net.ipv4.ip_forward': 1}})
                                for name in names for _writer in range(4)])
        figure('concurrency_runs', len(results))
        errors = [result['msg'] for result in results if result['rc'] != 0]
        figure('concurrency_errors', len(errors))
        assert not errors, errors
        assert sum(1 for result in results if 'create netns' in ' '.join(result['actions'])) >= len(names)
        assert netns_names(prefix) == sorted(names)
        with open('/proc/self/mountinfo') as handle:
            entry_mounts = [line.split()[4] for line in handle if '/run/netns/' + prefix in line]
        assert sorted(entry_mounts) == sorted('/run/netns/' + name for name in names)
        results = run_together([('netns', {'name': name, 'state': 'absent'}) for name in names for _writer in range(2)])
        assert all(result['rc'] == 0 for result in results)
        assert netns_names(prefix) == []
