# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render the figures the reliability suites collected as a Markdown table."""

import datetime
import json
import os
import platform
import sys

LABELS = [
    ('bad_input_cases', 'bad-input cases run (each: clear message naming the parameter and value, kernel unchanged)'),
    ('faults_kill9', 'kill -9 of the topology module at a random moment, then a converging re-run'),
    ('faults_kill9_landed', 'of those kills, how many landed while the module was still running'),
    ('faults_kill9_objects', 'objects in the killed topology (namespaces, veths, addresses, routes, sysctls, files)'),
    ('faults_container_races', 'attach races with a process exiting between resolution and linking'),
    ('faults_pid_reuse', 'pid reuse after a process died (symlink entry must read as stale)'),
    ('faults_other', 'other faults (engine stopped, namespace deleted by hand between runs, ...)'),
    ('concurrency_runs', 'concurrent module runs on overlapping descriptions (2 and 4 at once)'),
    ('concurrency_errors', 'errors in concurrent runs'),
    ('hostile_cases', 'hostile /run/netns and /etc/netns cases'),
    ('hygiene_operations', 'module-core operations in one process'),
    ('hygiene_fd_delta', 'open file descriptors after them minus before'),
    ('hygiene_child_delta', 'child processes after them minus before'),
    ('hygiene_peak_rss_kb', 'peak RSS of that process (KiB)'),
    ('property_examples', 'hypothesis examples (random current and desired state, real kernel)'),
    ('leaks', 'leaks found (namespaces, links, entries, records left behind)'),
]


def main():
    path, full, status = sys.argv[1], sys.argv[2] == '1', int(sys.argv[3])
    figures = {}
    if os.path.exists(path) and os.path.getsize(path):
        with open(path) as handle:
            figures = json.load(handle)
    heading = '%s · %d cores · kernel %s · suites %s' % (
        datetime.datetime.now().strftime('%Y-%m-%d %H:%M'), os.cpu_count(), platform.release(),
        'passed' if status == 0 else 'FAILED (exit %d)' % status)
    lines = ['# Reliability figures (%s run)' % ('full' if full else 'CI'), '', heading,
             '', '| what | figure |', '|---|---|']
    for key, label in LABELS:
        if key in figures:
            lines.append('| %s | %s |' % (label, figures[key]))
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
