# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading and planning veth pairs against a FakeSession, and finding a veth's other end (_veth.peer_end)
among namespaces whose ifindexes repeat."""

import pytest

from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.plugins.module_utils import _reconcile as reconcile
from ansible_collections.linuxnet.netns.plugins.module_utils import _veth as veth
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError
from ansible_collections.linuxnet.netns.tests.unit.plugins.module_utils.fakes import link, plan, texts

HOST_MAC = '02:00:00:00:01:05'
PEER_MAC = '02:00:00:00:02:02'
CREATE = "create veth v-red in the host namespace <-> eth0 in netns 'red'"


def pair(session, mtu=1500, up=True, peer_up=True, master=None, lo_up=True):
    """v-red (host, ifindex 5) <-> eth0 (red, ifindex 2); the host knows red as nsid 3, red the host as 0."""
    session.add_netns('red', nsid=3, lo_up=lo_up).set_peer_nsid('red', None, 0)
    session.add_links(None, link(5, 'v-red', 'veth', mtu=mtu, mac=HOST_MAC, up=up, master=master, parent=2,
                                 link_netnsid=3))
    session.add_links('red', link(2, 'eth0', 'veth', mtu=mtu, mac=PEER_MAC, up=peer_up, parent=5, link_netnsid=0))
    return session


def resource(**params):
    base = {'name': 'v-red', 'peer': 'eth0', 'peer_netns': 'red'}
    base.update(params)
    return veth.VethResource(base)


IDENTITY = {'name': 'v-red', 'netns': None, 'peer': 'eth0', 'peer_netns': 'red'}


def test_a_missing_pair_is_one_creation_and_lo_up(session):
    session.add_netns('red', lo_up=False)
    result = plan(resource(), session)
    assert result.before == dict(IDENTITY, state='absent', lo_up={'red': False})
    assert texts(result) == [CREATE, "set lo up in netns 'red'"]
    assert result.after == dict(IDENTITY, state='present', kind='veth', up=True, peer_up=True, mtu=None, peer_mtu=None,
                                mac=None, peer_mac=None, master='', lo_up={'red': True})


def test_a_missing_pair_with_lo_up_already_and_its_attributes(session):
    session.add_netns('red')
    result = plan(resource(mtu=9000, mac=HOST_MAC, peer_mac=PEER_MAC), session)
    assert texts(result) == [CREATE]
    assert result.after == dict(IDENTITY, state='present', kind='veth', up=True, peer_up=True, mtu=9000,
                                peer_mtu=9000, mac=HOST_MAC, peer_mac=PEER_MAC, master='', lo_up={'red': True})


def test_a_missing_pair_needs_its_namespaces(session):
    with pytest.raises(NetnsError) as exc:
        plan(veth.VethResource({'name': 'v-red', 'peer': 'eth0', 'peer_netns': 'red'}, 'veths[2].'), session)
    assert exc.value.msg == ("veths[2].peer_netns: network namespace 'red' does not exist (no %s/red)"
                             % session.run_dir)
    assert exc.value.param == 'veths[2].peer_netns'


def test_the_matching_pair_is_unchanged(session):
    pair(session)
    result = plan(resource(mtu=1500), session)
    assert result.changes == []
    assert result.before == dict(IDENTITY, state='present', kind='veth', mtu=1500, mac=HOST_MAC, up=True, master='',
                                 peer_mtu=1500, peer_mac=PEER_MAC, peer_up=True, lo_up={'red': True})
    assert result.after == dict(IDENTITY, state='present', kind='veth', mtu=1500, peer_mtu=1500, mac=HOST_MAC,
                                peer_mac=PEER_MAC, up=True, peer_up=True, master='', lo_up={'red': True})


def test_differing_attributes_are_set_on_the_right_end(session):
    pair(session, mtu=1500, up=True, peer_up=False, lo_up=False)
    result = plan(resource(mtu=1400, mac='02:00:00:00:01:99', peer_mac=PEER_MAC), session)
    assert texts(result) == [
        'set mtu 1400 on v-red in the host namespace',
        'set mac 02:00:00:00:01:99 on v-red in the host namespace',
        "set mtu 1400 on eth0 in netns 'red'",
        "set eth0 in netns 'red' up",
        "set lo up in netns 'red'",
    ]
    assert (result.after['mtu'], result.after['peer_mtu'], result.after['mac'], result.after['peer_mac']) == (
        1400, 1400, '02:00:00:00:01:99', PEER_MAC)


def test_down_and_the_peer_mac(session):
    pair(session)
    result = plan(resource(up=False, peer_mac='02:00:00:00:02:99'), session)
    assert texts(result) == ['set v-red in the host namespace down', "set mac 02:00:00:00:02:99 on eth0 in netns 'red'",
                             "set eth0 in netns 'red' down"]
    assert 'lo_up' not in result.after


def test_a_master_is_set_and_released(session):
    pair(session)
    session.add_links(None, link(4, 'br0', 'bridge'))
    assert texts(plan(resource(master='br0'), session)) == ['set master br0 on v-red in the host namespace']
    session.change_link(None, 'v-red', master=4)  # v-red is now a port of br0
    result = plan(resource(master=''), session)
    assert result.before['master'] == 'br0'
    assert texts(result) == ['release v-red in the host namespace from master br0']
    assert texts(plan(resource(), session)) == []  # master not given: left alone


def test_a_master_that_cannot_be_one_is_refused(session):
    pair(session)
    session.add_links(None, link(4, 'dummy0', 'dummy'))
    with pytest.raises(NetnsError) as exc:
        plan(resource(master='dummy0'), session)
    assert exc.value.msg == 'master: dummy0 in the host namespace is a dummy, which cannot be a master'


def test_another_kind_at_the_name_is_refused_or_replaced_with_force(session):
    session.add_netns('red')
    session.add_links(None, link(5, 'v-red', 'dummy'))
    with pytest.raises(NetnsError) as exc:
        plan(resource(), session)
    assert exc.value.msg == ('name: v-red in the host namespace is a dummy, not a veth; set force=true to delete it '
                             'and create the pair')
    assert exc.value.param == 'name'
    result = plan(resource(force=True), session)
    assert texts(result) == ['delete v-red in the host namespace (v-red in the host namespace is a dummy, not a veth)',
                             CREATE]
    assert result.before['kind'] == 'dummy'


def test_a_device_without_kind_at_the_name(session):
    session.add_netns('red')
    session.add_links(None, link(5, 'v-red'))
    with pytest.raises(NetnsError) as exc:
        plan(resource(), session)
    assert exc.value.msg.startswith('name: v-red in the host namespace is a device, not a veth;')


def test_the_peer_name_taken_by_another_device_is_refused(session):
    session.add_netns('red')
    session.add_links('red', link(2, 'eth0', 'dummy'))
    with pytest.raises(NetnsError) as exc:
        plan(resource(), session)
    assert exc.value.msg == "peer: eth0 already exists in netns 'red' (a dummy); it cannot become the peer of v-red"
    assert exc.value.param == 'peer'


def test_force_does_not_hide_an_unrelated_device_at_the_peer_name(session):
    # v-red is a veth whose peer is x in red; eth0 in red is a dummy that deleting v-red does not remove
    session.add_netns('red', nsid=3).set_peer_nsid('red', None, 0)
    session.add_links(None, link(5, 'v-red', 'veth', parent=3, link_netnsid=3))
    session.add_links('red', link(2, 'eth0', 'dummy'), link(3, 'x', 'veth', parent=5, link_netnsid=0))
    with pytest.raises(NetnsError) as exc:
        plan(resource(force=True), session)
    assert exc.value.msg == "peer: eth0 already exists in netns 'red' (a dummy); it cannot become the peer of v-red"


def test_a_veth_whose_peer_is_elsewhere_names_where(session):
    # the host knows red as 3 and blue as 7; v-red's peer is index 2 of the namespace with nsid 7
    session.add_netns('red', nsid=3).add_netns('blue', nsid=7)
    session.set_peer_nsid('red', None, 0).set_peer_nsid('blue', None, 0)
    session.add_links(None, link(5, 'v-red', 'veth', parent=2, link_netnsid=7))
    # a decoy: red's index 2 is a veth pointing back at index 5, but red is not the namespace with nsid 7
    session.add_links('red', link(2, 'eth0', 'veth', parent=5, link_netnsid=0))
    session.add_links('blue', link(2, 'eth9', 'veth', parent=5, link_netnsid=0))
    with pytest.raises(NetnsError) as exc:
        plan(resource(), session)
    assert exc.value.msg == ("name: v-red in the host namespace is a veth whose peer is eth9 in netns 'blue', not eth0 "
                             "in netns 'red'; set force=true to delete it and create the pair")
    # force cannot help: red's eth0 is not v-red's other end, so deleting v-red leaves it in the way
    with pytest.raises(NetnsError) as exc:
        plan(resource(force=True), session)
    assert exc.value.msg == ("peer: eth0 already exists in netns 'red' (a veth); it cannot become the peer of v-red")


def test_a_veth_whose_peer_namespace_has_no_name(session):
    session.add_netns('red', nsid=3)
    session.add_links('red', link(2, 'eth0', 'veth', parent=9, link_netnsid=None))
    session.add_links(None, link(5, 'v-red', 'veth', parent=9))
    with pytest.raises(NetnsError) as exc:
        plan(resource(), session)
    assert exc.value.msg.startswith('name: v-red in the host namespace is a veth whose peer is ifindex 9, not eth0 ')


def test_absent(session):
    pair(session)
    result = plan(resource(state='absent'), session)
    assert texts(result) == ['delete veth v-red in the host namespace (and its peer)']
    assert result.after == dict(IDENTITY, state='absent')
    assert 'actual_peer' not in result.before


def test_absent_of_another_kind_is_refused(session):
    session.add_netns('red')
    session.add_links(None, link(5, 'v-red', 'bridge'))
    with pytest.raises(NetnsError) as exc:
        plan(resource(state='absent', force=True), session)
    assert exc.value.msg == 'name: v-red in the host namespace is a bridge, not a veth; refusing to delete it'


def test_absent_when_a_namespace_is_gone_already(session):
    result = plan(resource(state='absent'), session)
    assert result.changes == []
    assert result.before == dict(IDENTITY, state='absent')


def test_check_mode_sees_a_pair_an_earlier_stage_makes(session):
    session.virtual.add('red')
    resource().simulate(session, plan(resource(), session))
    result = plan(resource(), session)
    assert result.before['state'] == 'present'
    assert texts(result) == ["set lo up in netns 'red'"]  # the planned namespace starts with lo down


# -- peer_end ----------------------------------------------------------------------------------------------

def test_peer_end_in_the_same_namespace(session):
    session.add_netns('red')
    session.add_links('red', link(2, 'a', 'veth', parent=3), link(3, 'b', 'veth', parent=2))
    a = session.links('red').get('a')
    # without a netnsid the peer is in the link's own namespace, whatever the candidates
    assert veth.peer_end(session, 'red', a, []) == ('red', session.links('red').get('b'))


def test_peer_end_in_another_namespace_with_the_matching_nsid(session):
    pair(session)
    v_red = session.links(None).get('v-red')
    assert veth.peer_end(session, None, v_red, [None, 'red']) == ('red', session.links('red').get('eth0'))
    eth0 = session.links('red').get('eth0')
    assert veth.peer_end(session, 'red', eth0, ['red', None]) == (None, v_red)


def test_peer_end_skips_a_decoy_with_mirrored_indexes_but_the_wrong_nsid(session):
    pair(session)
    # blue's ifindex 2 is a veth pointing back at ifindex 5 too, but the host knows blue as nsid 8, not 3
    session.add_netns('blue', nsid=8)
    session.add_links('blue', link(2, 'decoy', 'veth', parent=5, link_netnsid=0))
    v_red = session.links(None).get('v-red')
    assert veth.peer_end(session, None, v_red, ['blue']) is None
    assert veth.peer_end(session, None, v_red, ['blue', 'red'])[0] == 'red'


def test_peer_end_needs_the_index_to_point_back(session):
    pair(session)
    session.change_link('red', 'eth0', link=6)  # red's index 2 is a veth, but not v-red's other end
    assert veth.peer_end(session, None, session.links(None).get('v-red'), ['red']) is None
    assert veth.peer_end(session, None, link(7, 'd', 'dummy', parent=2, link_netnsid=3), ['red']) is None


def test_settling_a_teardown_whose_namespace_a_concurrent_run_removes_meanwhile(session, monkeypatch):
    """Two teardowns of overlapping topologies: between 'red exists' and reading red's links, the other run
    deleted red. The end left behind is not lingering (there is nothing left to wait for), not an error."""
    session.add_netns('red')
    monkeypatch.setattr(session, 'exists', lambda ns: ns in (None, 'red'))  # red existed when asked; reading finds it gone
    del session.namespaces['red']
    teardown = resource(name='eth1', netns='red', peer='eth0', peer_netns='blue', state='absent')
    reconcile.settle(session, [teardown], set())  # raised NamespaceGone before
    assert session.invalidated == []


def test_a_candidate_namespace_deleted_after_it_was_listed_holds_no_peer(session, monkeypatch):
    """Looking for a veth's other end among the listed namespaces while a concurrent run deletes one of them:
    that one is skipped (the other end is in no named namespace), not a failure naming it."""
    pair(session)
    listed = session.list_entries(session.run_dir)
    gone = kernel.Entry('gone', kernel.entry_path('gone', session.run_dir), kernel.LIVE, dev=4, ino=4242)
    monkeypatch.setattr(kernel, 'list_entries', lambda run_dir: [gone] + listed)
    v_red = session.links(None).get('v-red')
    assert veth.peer_end(session, None, v_red, ['gone', 'red']) == ('red', session.links('red').get('eth0'))
    assert not veth.peer_unnamed(session, None, v_red)
    del session.namespaces['red']  # and red too, now: the peer is in a namespace without a name
    assert veth.peer_unnamed(session, None, v_red)
