# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Before the demo builds on this machine: are its subnets free here?

    python3 scripts/demo_preflight.py DEVICE SUBNET...

Exit 0 when no route and no address of this machine (any table, any device but DEVICE, the demo's own host end)
overlaps one of SUBNET; otherwise print each conflicting route or address and exit 1. A default route covers every
subnet without conflicting with it, so it is never a conflict. Nothing is changed.
"""

import ipaddress
import json
import subprocess
import sys


def ip_json(*args):
    out = subprocess.run(['ip', '-j'] + list(args), check=True, stdout=subprocess.PIPE).stdout
    return json.loads(out or b'[]')


def main(own_device, subnets):
    wanted = [ipaddress.ip_network(text) for text in subnets]
    conflicts = []
    for family in ('-4', '-6'):
        for route in ip_json(family, 'route', 'show', 'table', 'all'):
            dst = route.get('dst')
            if dst in (None, 'default') or route.get('dev') == own_device or route.get('type') in ('local', 'broadcast', 'multicast'):
                continue
            try:
                network = ipaddress.ip_network(dst if '/' in dst else dst + ('/32' if ':' not in dst else '/128'),
                                               strict=False)
            except ValueError:
                continue
            for subnet in wanted:
                if network.version == subnet.version and network.overlaps(subnet):
                    conflicts.append('route "%s dev %s%s" overlaps %s' % (
                        dst, route.get('dev', '?'), '' if route.get('table', 'main') == 'main'
                        else ' table %s' % route['table'], subnet))
    for link in ip_json('address', 'show'):
        if link.get('ifname') == own_device:
            continue
        for info in link.get('addr_info', []):
            address = ipaddress.ip_interface('%s/%s' % (info['local'], info['prefixlen']))
            for subnet in wanted:
                if address.version == subnet.version and address.network.overlaps(subnet):
                    conflicts.append('address %s on %s overlaps %s' % (address, link['ifname'], subnet))
    for line in conflicts:
        print(line)
    return 1 if conflicts else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2:]))
