# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Profile the topology module's core on W(N), without Ansible around it: first run, re-run and teardown of the
benchmark's description, each timed, one of them under cProfile.

    bench/run.sh --profile [N] [first|rerun|teardown] [cumulative|tottime]

(default W(1000), the first run, sorted by cumulative time). Runs only inside the test sandbox, which
bench/run.sh starts; what it makes goes with the sandbox. The times of the profiled run are inflated by the
profiler; the others are not.
"""

import cProfile
import os
import pstats
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, '.build', 'collections'))
sys.path.insert(0, os.path.join(ROOT, 'bench'))

# pylint: disable=wrong-import-position
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator  # noqa: E402

from ansible_collections.linuxnet.netns.plugins.module_utils import _topology as topology  # noqa: E402
import bench  # noqa: E402

RUNS = (('first', 'present'), ('rerun', 'present'), ('teardown', 'absent'))


def main():
    args = sys.argv[1:]
    n = int(args[0]) if args else 1000
    profiled = args[1] if len(args) > 1 else 'first'
    order = args[2] if len(args) > 2 else 'cumulative'
    if profiled not in dict(RUNS):
        raise SystemExit('profile: the run to profile is one of %s' % ', '.join(name for name, _state in RUNS))
    if not os.path.exists(bench.SANDBOX_MARKER):
        raise SystemExit('profile: run it in the test sandbox, with bench/run.sh --profile')
    started = time.time()
    normalised = topology.normalise(bench.description(n), ArgumentSpecValidator)
    print('W(%d): description validated in %.3f s' % (n, time.time() - started))
    state_dir = tempfile.mkdtemp(prefix='linuxnet-profile-', dir='/run')
    for name, state in RUNS:
        profiler = cProfile.Profile() if name == profiled else None
        if profiler:
            profiler.enable()
        result = topology.converge_topology(normalised, state=state, name=bench.PREFIX, state_dir=state_dir)
        if profiler:
            profiler.disable()
        print('%-8s module %.3f s%s, changed=%s, peak RSS %d MiB' % (
            name, result['stats']['seconds'], ' (profiled)' if profiler else '', result['changed'],
            result['stats']['peak_rss_kb'] // 1024))
        if profiler:
            pstats.Stats(profiler, stream=sys.stdout).sort_stats(order).print_stats(40)


if __name__ == '__main__':
    main()
