# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netns_info's read-back against a FakeSession: the link views, each veth pair once as a veth item
(_info._veth_items) and the topology description gathered from every namespace."""

import pytest

from ansible_collections.linuxnet.netns.plugins.module_utils import _info as info
from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.tests.unit.plugins.module_utils.fakes import NSFS_DEV, address, link, route

SCOPE = [None, 'blue', 'red']


@pytest.fixture
def world(session):
    """The host, red (nsid 3) and blue (nsid 4):

    host v-red (5) <-> red eth0 (2); host v-blue (6, port of br0) <-> blue eth0 (2); red r-b (3, port of
    br-red) <-> blue b-r (3); host h1 (7) <-> host h2 (8); blue c0 (5) <-> a namespace without a name.
    """
    session.add_netns('red', nsid=3).add_netns('blue', nsid=4)
    session.set_peer_nsid('red', None, 0).set_peer_nsid('blue', None, 0)
    session.set_peer_nsid('red', 'blue', 1).set_peer_nsid('blue', 'red', 2)
    session.add_links(None, link(4, 'br0', 'bridge'), link(5, 'v-red', 'veth', parent=2, link_netnsid=3),
                      link(6, 'v-blue', 'veth', master=4, parent=2, link_netnsid=4),
                      link(7, 'h1', 'veth', parent=8), link(8, 'h2', 'veth', parent=7))
    session.add_links('red', link(2, 'eth0', 'veth', parent=5, link_netnsid=0),
                      link(3, 'r-b', 'veth', master=4, parent=3, link_netnsid=1), link(4, 'br-red', 'bridge'))
    session.add_links('blue', link(2, 'eth0', 'veth', up=False, parent=6, link_netnsid=0),
                      link(3, 'b-r', 'veth', parent=3, link_netnsid=2), link(5, 'c0', 'veth', parent=7, link_netnsid=9))
    return session


def test_link_views_say_where_each_peer_is(world):
    views = dict((view['name'], view) for view in info.link_views(world, 'blue', SCOPE))
    assert views['eth0'] == {'name': 'eth0', 'kind': 'veth', 'mtu': 1500, 'mac': '02:00:00:00:00:02', 'up': False,
                             'master': '', 'peer': 'v-blue', 'peer_netns': None}
    assert (views['b-r']['peer'], views['b-r']['peer_netns']) == ('r-b', 'red')
    assert (views['c0']['peer'], views['c0']['peer_netns'], views['c0']['peer_netns_id']) == (None, None, '9')
    assert views['lo'] == {'name': 'lo', 'kind': None, 'mtu': 65536, 'mac': '00:00:00:00:00:00', 'up': True,
                           'master': ''}
    red = dict((view['name'], view) for view in info.link_views(world, 'red', SCOPE))
    assert red['r-b']['master'] == 'br-red' and red['r-b']['peer_netns'] == 'blue'


def test_veth_items_pair_each_veth_once_master_end_first_else_host_end_first(world):
    views = {}
    for ns in SCOPE:
        for view in info.link_views(world, ns, SCOPE):
            views[(ns, view['name'])] = view
    items, host_devs = info._veth_items(views)
    assert items == [
        {'name': 'v-blue', 'peer': 'eth0', 'peer_netns': 'blue', 'up': True, 'master': 'br0'},
        {'name': 'v-red', 'peer': 'eth0', 'peer_netns': 'red', 'up': True},
        # found from blue's end first, but red's end has the master
        {'name': 'r-b', 'netns': 'red', 'peer': 'b-r', 'peer_netns': 'blue', 'up': True, 'master': 'br-red'},
    ]
    assert host_devs == {'v-blue', 'v-red'}


def veth_view(name, peer, peer_netns, master='', up=True):
    return {'name': name, 'kind': 'veth', 'mtu': 1500, 'mac': '02:00:00:00:00:01', 'up': up, 'master': master,
            'peer': peer, 'peer_netns': peer_netns}


def test_veth_items_put_a_namespace_end_with_a_master_before_the_host_end():
    views = {(None, 'v-red'): veth_view('v-red', 'eth0', 'red'),
             ('red', 'eth0'): veth_view('eth0', 'v-red', None, master='br-red', up=False)}
    assert info._veth_items(views) == ([{'name': 'eth0', 'netns': 'red', 'peer': 'v-red', 'up': False,
                                         'master': 'br-red'}], {'v-red'})


def test_veth_items_between_two_namespaces_without_masters_start_at_the_first_by_name():
    views = {('red', 'r-b'): veth_view('r-b', 'b-r', 'blue'), ('blue', 'b-r'): veth_view('b-r', 'r-b', 'red')}
    assert info._veth_items(views) == ([{'name': 'b-r', 'netns': 'blue', 'peer': 'r-b', 'peer_netns': 'red',
                                         'up': True}], set())


def test_veth_items_host_end_first_even_when_only_the_namespace_end_found_it():
    views = {(None, 'v-red'): dict(veth_view('v-red', None, None), peer_netns_id='7'),
             ('red', 'eth0'): veth_view('eth0', 'v-red', None)}
    assert info._veth_items(views) == ([{'name': 'v-red', 'peer': 'eth0', 'peer_netns': 'red', 'up': True}],
                                       {'v-red'})


def test_gather_with_details_is_a_topology_description(world, monkeypatch):
    world.add_addresses(None, address(5, '198.18.0.1/24'), address(7, '198.18.7.1/24'))
    world.add_addresses('red', address(2, '198.18.0.2/24'), address(2, 'fe80::2/64'))
    world.add_routes('red', route('198.18.0.0/24', oif=2, proto=2), route('0.0.0.0/0', gateway='198.18.0.1', oif=2))
    red_inode = world.entry('red').ino
    monkeypatch.setattr(kernel, 'pids_by_namespace', lambda: {(NSFS_DEV, red_inode): [42]})
    result = info.gather(world, details=True)
    assert [(view['name'], view['state'], view['nsid'], view['pids']) for view in result['namespaces']] == [
        ('blue', 'live', 4, []), ('red', 'live', 3, [42])]
    red = result['namespaces'][1]
    assert red['addresses'] == {'eth0': ['198.18.0.2/24']}
    assert red['routes'] == [{'dst': 'default', 'netns': 'red', 'gateway': '198.18.0.1', 'dev': 'eth0'}]
    assert result['topology'] == {
        'namespaces': [{'name': 'blue', 'nsid': 4}, {'name': 'red', 'nsid': 3}],
        'veths': [{'name': 'v-blue', 'peer': 'eth0', 'peer_netns': 'blue', 'up': True, 'master': 'br0'},
                  {'name': 'v-red', 'peer': 'eth0', 'peer_netns': 'red', 'up': True},
                  {'name': 'r-b', 'netns': 'red', 'peer': 'b-r', 'peer_netns': 'blue', 'up': True,
                   'master': 'br-red'}],
        'links': [{'name': 'br-red', 'kind': 'bridge', 'mtu': 1500, 'up': True, 'netns': 'red'}],
        # the host's addresses only on the host ends of the pairs
        'addresses': [{'dev': 'v-red', 'address': ['198.18.0.1/24']},
                      {'dev': 'eth0', 'address': ['198.18.0.2/24'], 'netns': 'red'}],
        'routes': [{'dst': 'default', 'netns': 'red', 'gateway': '198.18.0.1', 'dev': 'eth0'}],
        'firewalls': [],  # no nft in unit tests (conftest)
    }
    assert info.gather(world, names=['blue'])['namespaces'][0]['name'] == 'blue'


def test_a_link_whose_parent_is_in_another_namespace_is_not_described(session):
    session.add_netns('red', nsid=3).set_peer_nsid('red', None, 0)
    session.add_links('red', link(6, 'mv0', 'macvlan', parent=2, link_netnsid=0, data={'IFLA_MACVLAN_MODE': 4}),
                      link(7, 'v0', 'vlan', parent=6, data={'IFLA_VLAN_ID': 5}))
    topology, _pictured = info._details(session, {'red': {'name': 'red', 'nsid': 3}}, ['red'])
    assert topology['links'] == [{'name': 'v0', 'kind': 'vlan', 'mtu': 1500, 'up': True, 'link': 'mv0', 'vlan_id': 5,
                                  'netns': 'red'}]


def test_a_moved_link_is_not_described_on_a_device_that_only_shares_its_parent_ifindex(session):
    session.add_netns('red', nsid=3).set_peer_nsid('red', None, 0)
    session.add_links('red', link(2, 'eth0', 'dummy'),
                      link(6, 'mv0', 'macvlan', parent=2, link_netnsid=0, data={'IFLA_MACVLAN_MODE': 4}))
    topology, _pictured = info._details(session, {'red': {'name': 'red', 'nsid': 3}}, ['red'])
    assert topology['links'] == [{'name': 'eth0', 'kind': 'dummy', 'mtu': 1500, 'up': True, 'netns': 'red'}]
