# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Keep the measured tables in README.md equal to the files that measured them.

README.md shows each results file (without its title line and the blank line after it) between
``<!-- PATH -->`` and ``<!-- end PATH -->``, never numbers typed by hand.

    python scripts/readme_tables.py           copy the files into README.md
    python scripts/readme_tables.py --check   exit 1 naming every table that differs
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = ('bench/results/latest.md', 'bench/results/firewall.md', 'tests/reliability/results/full.md')


def main():
    check = sys.argv[1:] == ['--check']
    readme_path = os.path.join(ROOT, 'README.md')
    with open(readme_path, encoding='utf-8') as handle:
        readme = handle.read()
    stale = []
    for path in RESULTS:
        with open(os.path.join(ROOT, path), encoding='utf-8') as handle:
            body = ''.join(handle.readlines()[2:])
        start, end = '<!-- %s -->\n' % path, '<!-- end %s -->' % path
        if start not in readme or end not in readme:
            stale.append('%s (markers missing)' % path)
            continue
        head, rest = readme.split(start, 1)
        shown, tail = rest.split(end, 1)
        if shown != body:
            stale.append(path)
            readme = head + start + body + end + tail
    if check:
        for path in stale:
            print('README.md does not show %s as it is; run: python scripts/readme_tables.py' % path)
        return 1 if stale else 0
    with open(readme_path, 'w', encoding='utf-8') as handle:
        handle.write(readme)
    return 0


if __name__ == '__main__':
    sys.exit(main())
