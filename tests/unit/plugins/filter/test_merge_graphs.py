# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The merge_graphs filter: the graphs of two hosts (as netns_info returns them) in one picture, their VXLAN
endpoints of one segment joined, and what it refuses."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.linuxnet.netns.plugins.filter.merge_graphs import FilterModule
from ansible_collections.linuxnet.netns.plugins.module_utils import _graph as graphs
from ansible_collections.linuxnet.netns.tests.unit.plugins.module_utils.dot_reader import parse_dot

merge_graphs = FilterModule().filters()['merge_graphs']


def host_graph(address, vni=4242):
    """The overlay role's endpoint on one host: vx (vxlan) and vxp (veth) ports of vxbr, vxp's peer in app."""
    namespaces = [
        {'id': graphs.HOST, 'label': graphs.HOST, 'host': True, 'addresses': {}, 'links': [
            {'name': 'vxbr', 'kind': 'bridge'},
            {'name': 'vx', 'kind': 'vxlan', 'master': 'vxbr', 'vxlan_id': vni, 'dstport': 4789},
            {'name': 'vxp', 'kind': 'veth', 'master': 'vxbr', 'peer': 'ovl', 'peer_cluster': 'netns/app'}]},
        {'id': 'netns/app', 'label': 'app', 'addresses': {'ovl': [address]}, 'links': [
            {'name': 'ovl', 'kind': 'veth', 'peer': 'vxp', 'peer_cluster': graphs.HOST}]},
    ]
    return graphs.render(graphs.model(namespaces))


def test_two_hosts_and_their_segment():
    fleet = merge_graphs({'web1': {'graph': host_graph('198.19.42.1/24')}, 'web2': host_graph('198.19.42.2/24')})
    assert set(fleet) == {'clusters', 'nodes', 'edges', 'dot', 'mermaid'}
    dot = parse_dot(fleet['dot'])
    assert dot['clusters']['web1::netns/app'][0] == 'web1'
    assert dot['nodes']['web2::netns/app/ovl'][1]['label'] == 'ovl\n198.19.42.2/24'
    overlay = sorted(pair for pair, attributes in dot['edges'].items() if attributes['class'] == 'overlay')
    assert overlay == [('web1::host/vx', 'overlay/vxlan-4242-4789'), ('web2::host/vx', 'overlay/vxlan-4242-4789')]
    assert fleet['dot'].startswith('graph "fleet" {')
    assert merge_graphs({'a': host_graph('198.19.1.1/24')}, name='one')['dot'].startswith('graph "one" {')


def test_a_vni_on_one_host_only_is_no_segment():
    fleet = merge_graphs({'web1': host_graph('198.19.42.1/24', vni=1), 'web2': host_graph('198.19.42.2/24', vni=2)})
    assert [node for node in fleet['nodes'] if node['kind'] == graphs.SEGMENT] == []


@pytest.mark.parametrize('value, message', [
    ([], 'expects a dictionary'),
    ({}, 'expects a dictionary'),
    ({'web1': {'changed': False, 'namespaces': []}}, "host 'web1' is not a graph"),
])
def test_refused(value, message):
    with pytest.raises(AnsibleFilterError) as exc:
        merge_graphs(value)
    assert message in str(exc.value)
