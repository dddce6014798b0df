# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input, table-driven, across every module: each case fails with the parameter and the value named,
and the kernel (namespaces, links, addresses, routes, /run/netns entries) is byte-for-byte unchanged."""

import os
import socket

import pytest

from conftest import figure, run_module, sh, snapshot

# (module, arguments, fragments the message must contain). P is replaced by the test prefix.
CASES = [
    ('netns', {'name': '../etc'}, ['name:', "'../etc'"]),
    ('netns', {'name': 'a/b'}, ['name:', "'a/b'"]),
    ('netns', {'name': '.'}, ['name:', "'.'"]),
    ('netns', {'name': ''}, ['name:', 'must not be empty']),
    ('netns', {'name': 'x' * 300}, ['name:', 'at most 255 bytes']),
    ('netns', {'name': 'P-new', 'nsid': -5}, ['nsid:', '-5']),
    ('netns', {'name': 'P-new', 'sysctls': [1, 2]}, ['sysctls']),
    ('netns', {'name': 'P-new', 'sysctls': {'kernel.hostname': 'evil'}}, ['sysctls.kernel.hostname:', "'kernel.hostname'"]),
    ('netns', {'name': 'P-new', 'etc_files': {'../passwd': 'x'}}, ['etc_files.../passwd:', "'../passwd'"]),
    ('netns', {'name': 'P-new', 'state': 'gone'}, ['state', 'gone']),
    ('veth', {'name': 'P-much-too-long', 'peer': 'eth9', 'peer_netns': 'P-a'}, ['name:', 'at most 15 bytes']),
    ('veth', {'name': 'same', 'peer': 'same', 'netns': 'P-a', 'peer_netns': 'P-a'}, ['peer:', "'same'", 'must differ']),
    ('veth', {'name': 'P-x', 'peer': 'eth9', 'peer_netns': 'P-nosuch'}, ['peer_netns:', "'P-nosuch'", 'does not exist']),
    ('veth', {'name': 'P-x', 'peer': 'eth9', 'netns': '/run/netns/P-a'}, ['netns:', "'/run/netns/P-a'"]),
    ('veth', {'name': 'P-x', 'peer': 'eth9', 'peer_netns': 'P-a', 'mtu': 10}, ['mtu:', '10']),
    ('veth', {'name': 'P-x', 'peer': 'eth9', 'peer_netns': 'P-a', 'mac': '01:00:5e:00:00:01'}, ['mac:', '01:00:5e:00:00:01']),
    ('veth', {'name': 'P-x', 'peer': 'bad name', 'peer_netns': 'P-a'}, ['peer:', "'bad name'"]),
    ('veth', {'name': 'P-x', 'netns': 'P-a', 'peer': 'eth9', 'master': 'nosuchbr'}, ['master:', 'nosuchbr']),
    ('link', {'name': 'd0', 'kind': 'dummy', 'netns': 'P-a'}, ['kind:', '"dummy"', 'Unknown device type']),
    ('link', {'name': 'v0', 'kind': 'vlan', 'netns': 'P-a', 'link': 'eth0', 'vlan_id': 5}, ['kind:', '"vlan"']),
    ('link', {'name': 'x0', 'kind': 'vxlan', 'netns': 'P-a', 'vxlan_id': 5, 'remote': '198.18.192.2', 'group': '239.1.1.1'},
     ['group:', '239.1.1.1', 'mutually exclusive']),
    ('link', {'name': 'x0', 'kind': 'vxlan', 'netns': 'P-a', 'vxlan_id': 99999999}, ['vxlan_id:', '99999999']),
    ('link', {'name': 'x0', 'kind': 'macvlan', 'netns': 'P-a'}, ['link:', 'needs link']),
    ('link', {'name': 'x0', 'kind': 'bridge', 'netns': 'P-a', 'vxlan_id': 5}, ['vxlan_id:', 'does not apply to kind bridge']),
    ('link', {'name': 'x0', 'kind': 'bridge', 'netns': 'P-nosuch'}, ['netns:', "'P-nosuch'", 'does not exist']),
    ('address', {'netns': 'P-a', 'dev': 'eth0', 'address': '198.18.0.300/24'}, ['address:', '198.18.0.300/24']),
    ('address', {'netns': 'P-a', 'dev': 'eth0', 'address': '198.18.0.5'}, ['address:', "'198.18.0.5'", 'prefix length']),
    ('address', {'netns': 'P-a', 'dev': 'eth0', 'address': ['198.18.0.5/24', '2001:db8::1']}, ['address[1]:', "'2001:db8::1'"]),
    ('address', {'netns': 'P-a', 'dev': 'nosuchdev', 'address': '198.18.0.5/24'}, ['dev:', 'nosuchdev', 'does not exist']),
    ('address', {'netns': 'P-nosuch', 'dev': 'eth0', 'address': '198.18.0.5/24'}, ['netns:', "'P-nosuch'"]),
    ('route', {'netns': 'P-a', 'dst': '198.19.0.0/16', 'gateway': '2001:db8:250::1'}, ['gateway:', "'2001:db8:250::1'", 'IPv6']),
    ('route', {'netns': 'P-a', 'dst': '198.19.0.0/16', 'gateway': '198.18.9.1'}, ['gateway:', '198.18.9.1', 'not reachable']),
    ('route', {'netns': 'P-a', 'gateway': '198.18.250.2', 'table': 'nosuchname'}, ['table:', "'nosuchname'"]),
    ('route', {'netns': 'P-a', 'dst': '198.19.2.3/16', 'gateway': '198.18.250.2'}, ['dst:', "'198.19.2.3/16'", '198.19.0.0/16']),
    ('route', {'netns': 'P-a', 'dst': '198.19.0.0/16', 'gateway': '198.18.250.2', 'metric': -1}, ['metric:', '-1']),
    ('route', {'netns': 'P-a', 'dst': '198.19.0.0/16', 'gateway': '198.18.250.2', 'src': '198.18.9.9'}, ['src:', '198.18.9.9']),
    ('route', {'netns': 'P-a', 'dst': '198.19.0.0/16', 'type': 'blackhole', 'gateway': '198.18.250.2'},
     ['gateway:', '198.18.250.2', 'blackhole']),
    ('route', {'netns': 'P-a', 'dst': '::/0', 'gateway': 'fe80::1'}, ['gateway:', "'fe80::1'", 'dev is required']),
    ('attach', {'name': 'a/b', 'pid': 1}, ['name:', "'a/b'"]),
    ('attach', {'name': 'P-att', 'pid': 999999999}, ['pid:', '999999999']),
    ('attach', {'name': 'P-att', 'path': 'proc/1/ns/net'}, ['path:', "'proc/1/ns/net'"]),
    ('attach', {'name': 'P-att', 'path': '/etc/hostname'}, ['path:', '/etc/hostname', 'not a network namespace']),
    ('attach', {'name': 'P-att', 'container': 'web', 'runtime': 'docker', 'docker_host': 'tcp://198.18.192.1:2375'},
     ['docker_host', 'tcp://198.18.192.1:2375']),
    ('attach', {'name': 'P-att', 'pid': 1, 'path': '/proc/1/ns/net'}, ['mutually exclusive', 'pid', 'path']),
    ('attach', {'name': 'P-att', 'container': 'web', 'runtime': 'docker', 'docker_host': 'unix:///tmp/P-nodocker.sock'},
     ['/tmp/P-nodocker.sock']),
    ('netns_info', {'names': ['../x']}, ['names:', "'../x'"]),
    ('topology', {'namespaces': [{'name': '../x'}]}, ['namespaces[0].name:', "'../x'"]),
    ('topology', {'veths': [{'name': 'a'}]}, ['veths[0]:', 'missing required arguments: peer']),
    ('topology', {'veths': [{'name': 'a', 'peer': 'b', 'color': 'red'}]}, ['veths[0]:', 'color']),
    ('topology', {'routes': [{'netns': 'P-a', 'gateway': 'not-an-ip'}]}, ['routes[0].gateway:', "'not-an-ip'"]),
    ('topology', {'namespaces': [{'name': 'P-t'}], 'addresses': [{'netns': 'P-t', 'dev': 'eth0', 'address': '198.18.0.1'}]},
     ['addresses[0].address:', "'198.18.0.1'"]),
    ('topology', {'namespaces': [{'name': 'P-t'}, {'name': 'P-t'}]}, ['namespaces[1]', 'same object as namespaces[0]']),
    ('topology', {'namespaces': [{'name': 'P-t'}], 'veths': [{'name': 'a', 'peer': 'b', 'peer_netns': 'P-nosuch'}]},
     ['veths[0].peer_netns:', "'P-nosuch'", 'not described']),
    ('topology', {'sysctls': [{'netns': 'P-a', 'sysctls': {'vm.swappiness': 1}}]}, ['sysctls[0].sysctls.vm.swappiness:']),
]


def substitute(value, prefix):
    if isinstance(value, str):
        return value.replace('P-', prefix + '-')
    if isinstance(value, list):
        return [substitute(item, prefix) for item in value]
    if isinstance(value, dict):
        return dict((substitute(k, prefix), substitute(v, prefix)) for k, v in value.items())
    return value


def settle(prefix):
    """Wait until carrier and IPv6 link-local addresses (DAD) have settled, so snapshots compare stable state."""
    import time
    previous = None
    for _attempt in range(40):
        current = snapshot(prefix)
        if current == previous and 'tentative' not in current:
            return
        previous = current
        time.sleep(0.25)
    raise AssertionError('the test scene did not settle')


@pytest.fixture(scope='module')
def scene():
    """Two namespaces joined by a veth with addresses: what the cases point at."""
    from conftest import cleanup
    import random
    import string
    prefix = 'lnt' + ''.join(random.choice(string.ascii_lowercase + string.digits) for dummy in range(6))
    sh('ip netns add %(p)s-a && ip netns add %(p)s-b && '
       'ip -n %(p)s-a link add eth0 type veth peer name eth0 netns %(p)s-b && '
       'ip -n %(p)s-a addr add 198.18.250.1/24 dev eth0 && ip -n %(p)s-b addr add 198.18.250.2/24 dev eth0 && '
       'ip -n %(p)s-a link set eth0 up && ip -n %(p)s-b link set eth0 up' % {'p': prefix})
    # a unix socket with nothing listening: what clients of a stopped dockerd meet
    dead = '/tmp/%s-nodocker.sock' % prefix
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(dead)
    server.close()
    settle(prefix)
    yield prefix
    os.unlink(dead)
    cleanup(prefix)


@pytest.mark.parametrize('module, args, fragments', CASES, ids=['%s-%d' % (case[0], i) for i, case in enumerate(CASES)])
def test_bad_input_is_refused_and_changes_nothing(scene, module, args, fragments):
    args = substitute(args, scene)
    fragments = substitute(fragments, scene)
    before = snapshot(scene)
    result = run_module(module, args)
    after = snapshot(scene)
    figure('bad_input_cases', 1)
    assert result.get('failed'), result
    assert result['rc'] != 0
    assert not result.get('changed')
    missing = [fragment for fragment in fragments if fragment not in result['msg']]
    assert not missing, 'message %r lacks %r' % (result['msg'], missing)
    assert before == after, 'kernel state changed'


def test_enough_cases():
    assert len(CASES) >= 40
    assert len(set(case[0] for case in CASES)) == 8
