# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Copy ansible-test integration output, each line prefixed with the lane's name, and end with how long each
target took (from one "Running TARGET integration test" line to the next), slowest first.

    ansible-test integration ... | python3 tests/target_times.py LANE
"""

import re
import sys
import time

RUNNING = re.compile(r'^Running (\S+) integration test')


def main(lane):
    times = []
    current = None
    started = time.time()
    for line in sys.stdin:
        match = RUNNING.match(line)
        if match:
            now = time.time()
            if current:
                times.append((now - started, current))
            current, started = match.group(1), now
        sys.stdout.write('[%s] %s' % (lane, line))
        sys.stdout.flush()
    if current:
        times.append((time.time() - started, current))
    summary = ', '.join('%s %ds' % (name, seconds) for seconds, name in sorted(times, reverse=True))
    sys.stdout.write('[%s] target times: %s (%ds in all)\n' % (lane, summary or 'none', sum(seconds for seconds, _name in times)))


if __name__ == '__main__':
    main(sys.argv[1])
