# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The picture of a known topology (a FakeSession read by netns_info's _details, drawn by _graph), checked by
parsing the DOT it writes cluster by cluster, node by node and edge by edge; the same for a fleet of two hosts
merged (an overlay between them), the Mermaid text, and Graphviz drawing it where it is installed."""

import re
import shutil
import subprocess

import pytest

from ansible_collections.linuxnet.netns.plugins.module_utils import _graph as graphs
from ansible_collections.linuxnet.netns.plugins.module_utils import _info as info
from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.tests.unit.plugins.module_utils.dot_reader import parse_dot
from ansible_collections.linuxnet.netns.tests.unit.plugins.module_utils.fakes import address, link, route


@pytest.fixture
def scene(session):
    """A host with a veth into red, a bridge br0 with a veth port into blue and a vxlan port on top of its uplink;
    red has a macvlan made on the host's uplink and moved in; blue a vlan on its eth0; green nothing but lo. The
    host's docker0 and a veth pair of its own join none of them.

      host: v-red (5) <-> red eth0 (2); br0 (4): v-blue (6) <-> blue eth0 (2), vx42 (8, vxlan 42 on uplink 3)
      red: mv0 (3, macvlan on host ifindex 3); blue: v100 (3, vlan 100 on eth0)
    """
    session.add_netns('red', nsid=3).add_netns('blue', nsid=4).add_netns('green')
    session.set_peer_nsid('red', None, 0).set_peer_nsid('blue', None, 0)
    session.add_links(None, link(3, 'uplink'), link(4, 'br0', 'bridge'),
                      link(5, 'v-red', 'veth', parent=2, link_netnsid=3),
                      link(6, 'v-blue', 'veth', master=4, parent=2, link_netnsid=4),
                      link(8, 'vx42', 'vxlan', master=4, data={'IFLA_VXLAN_ID': 42, 'IFLA_VXLAN_PORT': 4789,
                                                               'IFLA_VXLAN_LINK': 3, 'IFLA_VXLAN_LOCAL': '198.18.9.1'}),
                      link(9, 'docker0', 'bridge'), link(10, 'h1', 'veth', parent=11), link(11, 'h2', 'veth', parent=10))
    session.add_links('red', link(2, 'eth0', 'veth', parent=5, link_netnsid=0),
                      link(3, 'mv0', 'macvlan', parent=3, link_netnsid=0, data={'IFLA_MACVLAN_MODE': 4}))
    session.add_links('blue', link(2, 'eth0', 'veth', parent=6, link_netnsid=0),
                      link(3, 'v100', 'vlan', parent=2, data={'IFLA_VLAN_ID': 100}))
    session.add_addresses(None, address(5, '198.18.0.1/24'), address(3, '198.18.9.1/24'), address(9, '198.19.0.1/16'))
    session.add_addresses('red', address(2, '198.18.0.2/24'), address(3, '198.18.9.7/24'))
    session.add_addresses('blue', address(2, '198.18.1.2/24'), address(2, '2001:db8:1::2/64'))
    session.add_routes('red', route('0.0.0.0/0', gateway='198.18.0.1', oif=2))
    session.add_routes(None, route('198.18.2.0/24', gateway='198.18.0.2', oif=5),
                       route('198.18.200.0/24', gateway='198.19.0.9', oif=9))
    return session


def picture_of(session):
    keys = dict((name, {'name': name, 'nsid': session.nsid(name)}) for name in ('blue', 'green', 'red'))
    _topology, pictured = info._details(session, keys, list(keys), describe_topology=False)
    return graphs.model(pictured)


def test_the_graph_of_a_known_topology_node_by_node_and_edge_by_edge(scene):
    dot = parse_dot(graphs.to_dot(picture_of(scene)))
    assert dict((name, (parent, attributes['label'])) for name, (parent, attributes) in dot['clusters'].items()) == {
        'host': (None, 'host\n198.18.2.0/24 via 198.18.0.2'),  # not the route through docker0
        'netns/blue': (None, 'blue'),
        'netns/green': (None, 'green'),
        'netns/red': (None, 'red\ndefault via 198.18.0.1'),
    }
    assert dict((name, (cluster, attributes['label'], attributes['class']))
                for name, (cluster, attributes) in dot['nodes'].items()) == {
        'host/br0': ('host', 'br0\nbridge', 'bridge'),
        'host/uplink': ('host', 'uplink\n198.18.9.1/24', 'device'),
        'host/v-blue': ('host', 'v-blue', 'veth'),
        'host/v-red': ('host', 'v-red\n198.18.0.1/24', 'veth'),
        'host/vx42': ('host', 'vx42\nvxlan 42', 'vxlan'),
        'netns/blue/eth0': ('netns/blue', 'eth0\n198.18.1.2/24\n2001:db8:1::2/64', 'veth'),
        'netns/blue/v100': ('netns/blue', 'v100\nvlan 100', 'vlan'),
        'netns/green/': ('netns/green', 'only lo', 'empty'),
        'netns/red/eth0': ('netns/red', 'eth0\n198.18.0.2/24', 'veth'),
        'netns/red/mv0': ('netns/red', 'mv0\nmacvlan bridge\n198.18.9.7/24', 'macvlan'),
    }
    assert dict((pair, (attributes['class'], attributes.get('label'))) for pair, attributes in dot['edges'].items()) == {
        # a veth pair has no label: its line says it, and the legend under the picture
        ('host/v-blue', 'netns/blue/eth0'): ('veth', None),
        ('host/v-red', 'netns/red/eth0'): ('veth', None),
        ('host/v-blue', 'host/br0'): ('port', 'port'),
        ('host/vx42', 'host/br0'): ('port', 'port'),
        ('host/vx42', 'host/uplink'): ('parent', 'vxlan 42 on'),
        ('netns/blue/v100', 'netns/blue/eth0'): ('parent', 'vlan 100 on'),
        ('netns/red/mv0', 'host/uplink'): ('parent', 'macvlan on'),
    }
    # a veth pair is drawn bold and green, a port dashed, a parent dotted with an arrow to the parent; the legend
    # says so under the picture
    assert dot['graph']['label'] == ('green \u2501\u2501 veth pair    \u254c\u254c bridge port    '
                                     '\u2508\u2508\u25b8 on its parent device')
    veth = dot['edges'][('host/v-red', 'netns/red/eth0')]
    assert (veth['penwidth'], veth['color']) == ('2.5', '#2e7d32')
    assert dot['edges'][('host/v-blue', 'host/br0')]['style'] == 'dashed'
    parent = dot['edges'][('netns/red/mv0', 'host/uplink')]
    assert (parent['style'], parent['dir']) == ('dotted', 'forward')


def test_the_host_alone_is_not_drawn(session):
    session.add_netns('lonely')
    session.add_links(None, link(3, 'eth0'), link(4, 'docker0', 'bridge'))
    graph = picture_of_names(session, ['lonely'])
    assert [cluster['id'] for cluster in graph['clusters']] == ['netns/lonely']


def picture_of_names(session, names):
    keys = dict((name, {'name': name, 'nsid': None}) for name in names)
    return graphs.model(info._details(session, keys, names, describe_topology=False)[1])


def test_mermaid_has_every_namespace_node_and_edge(scene):
    graph = picture_of(scene)
    text = graphs.to_mermaid(graph)
    lines = text.splitlines()
    assert lines[0] == 'flowchart LR'
    assert sum(1 for line in lines if line.strip().startswith('subgraph ')) == len(graph['clusters']) == 4
    assert sum(1 for line in lines if line.strip() == 'end') == 4
    edges = [line.strip() for line in lines if re.match(r'^\s+n\d+ (===|-\.-|-\.->)\|', line)]
    assert len(edges) == len(graph['edges']) == 7
    ids = dict((node['id'], 'n%d' % index) for index, node in enumerate(graph['nodes']))
    assert '%s ===|"veth"| %s' % (ids['host/v-red'], ids['netns/red/eth0']) in edges
    assert '%s -.->|"macvlan on"| %s' % (ids['netns/red/mv0'], ids['host/uplink']) in edges
    assert '    %s["eth0<br/>198.18.1.2/24<br/>2001:db8:1::2/64"]' % ids['netns/blue/eth0'] in lines


def test_labels_with_quotes_and_backslashes_stay_one_statement():
    graph = {'clusters': [{'id': 'netns/a"b', 'label': 'a"b\\c', 'notes': [], 'host': False, 'parent': None}],
             'nodes': [{'id': 'netns/a"b/eth0', 'cluster': 'netns/a"b', 'name': 'eth0', 'kind': 'veth',
                        'addresses': []}], 'edges': []}
    dot = parse_dot(graphs.to_dot(graph))
    assert dot['clusters']['netns/a"b'][1]['label'] == 'a"b\\c'
    assert 'a#quot;b\\c' in graphs.to_mermaid(graph)


def host_graph(session, vni, address_text):
    session.add_netns('app')
    session.add_links(None, link(4, 'vxbr', 'bridge'), link(5, 'vxp', 'veth', master=4, parent=2, link_netnsid=0),
                      link(6, 'vx', 'vxlan', master=4, data={'IFLA_VXLAN_ID': vni, 'IFLA_VXLAN_PORT': 4789}))
    session.add_links('app', link(2, 'ovl', 'veth', parent=5, link_netnsid=0))
    session.set_peer_nsid('app', None, 0).set_peer_nsid(None, 'app', 0)
    session.add_addresses('app', address(2, address_text))
    return graphs.render(picture_of_names(session, ['app']))


def test_a_fleet_of_two_hosts_joined_by_their_vxlan_segment(tmp_path, monkeypatch):
    from ansible_collections.linuxnet.netns.tests.unit.plugins.module_utils.fakes import FakeSession
    fleet = {}
    for host, text in (('host1', '198.19.42.1/24'), ('host2', '198.19.42.2/24')):
        session = FakeSession(str(tmp_path / host))
        monkeypatch.setattr(kernel, 'list_entries', session.list_entries)
        fleet[host] = host_graph(session, 4242, text)
    lone = FakeSession(str(tmp_path / 'host3'))
    fleet['host3'] = host_graph(lone, 7, '198.19.7.3/24')  # a VNI no other host has: no segment
    merged = graphs.merge(fleet)
    dot = parse_dot(graphs.to_dot(merged, 'fleet'))
    assert dict((name, (parent, attributes['label'])) for name, (parent, attributes) in dot['clusters'].items()) == {
        'host1': (None, 'host1'), 'host1::host': ('host1', 'host namespace'), 'host1::netns/app': ('host1', 'app'),
        'host2': (None, 'host2'), 'host2::host': ('host2', 'host namespace'), 'host2::netns/app': ('host2', 'app'),
        'host3': (None, 'host3'), 'host3::host': ('host3', 'host namespace'), 'host3::netns/app': ('host3', 'app'),
    }
    segment = 'overlay/vxlan-4242-4789'
    assert dot['nodes'][segment] == (None, dict(dot['nodes'][segment][1], label='VXLAN 4242\nsegment', shape='ellipse'))
    assert dot['nodes']['host2::netns/app/ovl'][0] == 'host2::netns/app'
    overlay = dict((pair, attributes.get('label')) for pair, attributes in dot['edges'].items()
                   if attributes['class'] == 'overlay')
    assert overlay == {('host1::host/vx', segment): None, ('host2::host/vx', segment): None}
    assert dot['graph']['label'].endswith('blue \u2501\u2501 VXLAN overlay')
    assert ('host1::host/vxp', 'host1::netns/app/ovl') in dot['edges']
    assert len(dot['edges']) == 3 * 3 + 2  # per host: the veth and two ports; two overlay edges


@pytest.mark.skipif(shutil.which('dot') is None, reason='Graphviz is not installed')
def test_graphviz_draws_it(scene, tmp_path):
    for name, text in (('scene', graphs.to_dot(picture_of(scene))),):
        png = tmp_path / (name + '.png')
        done = subprocess.run(['dot', '-Tpng', '-o', str(png)], input=text.encode(), stderr=subprocess.PIPE,
                              check=False)
        assert done.returncode == 0 and done.stderr == b'', done.stderr
        assert png.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
