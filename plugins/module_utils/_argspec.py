# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Argument specs of every module, in one place so the topology module validates its
items with exactly the options of the single-object modules.

Private to this collection: may change without notice.
"""

from ansible_collections.linuxnet.netns.plugins.module_utils import _link_kinds as link_kinds

STATE = dict(type='str', default='present', choices=['present', 'absent'])

NETNS = dict(
    name=dict(type='str', required=True),
    state=STATE,
    nsid=dict(type='int'),
    sysctls=dict(type='dict'),
    etc_files=dict(type='dict'),
)

VETH = dict(
    name=dict(type='str', required=True),
    netns=dict(type='str'),
    peer=dict(type='str', required=True),
    peer_netns=dict(type='str'),
    state=STATE,
    mtu=dict(type='int'),
    mac=dict(type='str'),
    peer_mac=dict(type='str'),
    up=dict(type='bool', default=True),
    master=dict(type='str'),
    force=dict(type='bool', default=False),
)

# the options every link has; each kind's own options come from its spec in _link_kinds
LINK = dict(
    name=dict(type='str', required=True),
    kind=dict(type='str', choices=list(link_kinds.NAMES)),
    netns=dict(type='str'),
    state=STATE,
    mtu=dict(type='int'),
    mac=dict(type='str'),
    up=dict(type='bool', default=True),
    master=dict(type='str'),
    force=dict(type='bool', default=False),
    move_from=dict(type='str'),
    link=dict(type='str'),
    **link_kinds.argument_spec()
)

ADDRESS = dict(
    dev=dict(type='str', required=True),
    netns=dict(type='str'),
    address=dict(type='list', elements='str', required=True, aliases=['addresses']),
    state=STATE,
    exclusive=dict(type='bool', default=False),
    nodad=dict(type='bool', default=True),
)

ROUTE = dict(
    dst=dict(type='str', default='default'),
    gateway=dict(type='str', aliases=['via']),
    dev=dict(type='str'),
    metric=dict(type='int'),
    table=dict(type='str', default='main'),
    src=dict(type='str'),
    scope=dict(type='str'),
    type=dict(type='str', default='unicast', choices=['unicast', 'blackhole', 'unreachable', 'prohibit']),
    onlink=dict(type='bool', default=False),
    netns=dict(type='str'),
    state=STATE,
    exclusive=dict(type='bool', default=False),
)

# the owned nftables table of a namespace (_firewall_rules validates the values, naming each item)
FIREWALL = dict(
    netns=dict(type='str'),
    state=STATE,
    table=dict(type='str', default='linuxnet'),
    forwarding=dict(type='bool'),
    policies=dict(type='dict', options=dict(
        input=dict(type='str', choices=['accept', 'drop']),
        forward=dict(type='str', choices=['accept', 'drop']),
        output=dict(type='str', choices=['accept', 'drop']),
    )),
    masquerade=dict(type='list', elements='dict', default=[], options=dict(
        source=dict(type='str'),
        out_interface=dict(type='str'),
    )),
    port_forwards=dict(type='list', elements='dict', default=[], options=dict(
        protocol=dict(type='str', default='tcp', choices=['tcp', 'udp']),
        port=dict(type='int', required=True),
        address=dict(type='str'),
        in_interface=dict(type='str'),
        to=dict(type='str'),
        to_address=dict(type='str'),
        to_port=dict(type='int'),
        hairpin=dict(type='bool', default=False),
    )),
    rules=dict(type='list', elements='dict', default=[], options=dict(
        chain=dict(type='str', required=True,
                   choices=['input', 'forward', 'output', 'nat_prerouting', 'nat_output', 'nat_postrouting']),
        action=dict(type='str', choices=['accept', 'drop', 'reject']),
        source=dict(type='str'),
        destination=dict(type='str'),
        protocol=dict(type='str', choices=['tcp', 'udp', 'icmp', 'icmpv6']),
        port=dict(type='list', elements='str'),
        in_interface=dict(type='str'),
        out_interface=dict(type='str'),
        ct_state=dict(type='list', elements='str', choices=['new', 'established', 'related', 'invalid', 'untracked']),
        raw=dict(type='str'),
    )),
)

# topology items that set only sysctls or /etc/netns files of a namespace
TOPOLOGY_SYSCTLS = dict(
    netns=dict(type='str'),
    sysctls=dict(type='dict', required=True),
)

TOPOLOGY_ETC_FILES = dict(
    netns=dict(type='str', required=True),
    etc_files=dict(type='dict', required=True),
)

# the topology module's options besides its sections (_kinds adds one list option per section)
TOPOLOGY_OPTIONS = dict(
    state=STATE,
    purge=dict(type='bool', default=False),
    name=dict(type='str', default='default'),
    state_dir=dict(type='path', default='/var/lib/linuxnet-netns'),
    persist_file=dict(type='path'),
    persist_lib=dict(type='path', default='/usr/local/lib/linuxnet-netns'),
    objects=dict(type='bool', default=False),
)

NETNS_INFO = dict(
    names=dict(type='list', elements='str'),
    details=dict(type='bool', default=False),
    extra_dirs=dict(type='list', elements='path', default=[]),
)

# service_netns: a systemd unit run inside a namespace (not a topology section: no kernel object)
SERVICE_NETNS = dict(
    unit=dict(type='str', required=True),
    netns=dict(type='str'),
    state=STATE,
    bind_etc=dict(type='bool', default=True),
    after_topology=dict(type='str'),
    requires=dict(type='list', elements='str', default=[]),
    restart=dict(type='bool', default=True),
    unit_dir=dict(type='path', default='/etc/systemd/system'),
)
