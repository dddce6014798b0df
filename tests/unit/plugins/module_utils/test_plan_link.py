# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading and planning links of every kind in _link_kinds against a FakeSession: creation, options read back
from decoded dumps, fixed options that mean re-creating, vxlan flood destinations, moving an interface."""

import pytest

from ansible_collections.linuxnet.netns.plugins.module_utils import _link as link_module
from ansible_collections.linuxnet.netns.plugins.module_utils import _link_kinds as link_kinds
from ansible_collections.linuxnet.netns.plugins.module_utils import _links as links
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError
from ansible_collections.linuxnet.netns.tests.unit.plugins.module_utils.fakes import fdb, link, plan, texts

VXLAN_DATA = {'IFLA_VXLAN_ID': 100, 'IFLA_VXLAN_PORT': 4789, 'IFLA_VXLAN_LOCAL': '198.18.0.1',
              'IFLA_VXLAN_GROUP': '198.18.0.2'}

# kind: (the module's parameters, the link in a dump that matches them, its kind options as read back)
KINDS = {
    'bridge': ({'name': 'br0', 'kind': 'bridge'}, link(6, 'br0', 'bridge'), {}),
    'dummy': ({'name': 'd0', 'kind': 'dummy'}, link(6, 'd0', 'dummy'), {}),
    'vlan': ({'name': 'eth0.100', 'kind': 'vlan', 'link': 'eth0', 'vlan_id': 100},
             link(6, 'eth0.100', 'vlan', parent=2, data={'IFLA_VLAN_ID': 100}), {'vlan_id': 100, 'link': 'eth0'}),
    'macvlan': ({'name': 'mv0', 'kind': 'macvlan', 'link': 'eth0'},
                link(6, 'mv0', 'macvlan', parent=2, data={'IFLA_MACVLAN_MODE': 4}),
                {'macvlan_mode': 'bridge', 'link': 'eth0'}),
    'vxlan': ({'name': 'vx0', 'kind': 'vxlan', 'vxlan_id': 100, 'local': '198.18.0.1', 'remote': '198.18.0.2'},
              link(6, 'vx0', 'vxlan', data=VXLAN_DATA),
              {'vxlan_id': 100, 'dstport': 4789, 'local': '198.18.0.1', 'remote': '198.18.0.2', 'group': None,
               'link': None}),
}


def host_with_eth0(session):
    """The host with a physical eth0 (ifindex 2, no kind), the parent of vlans and macvlans."""
    return session.add_links(None, link(2, 'eth0'))


def resource(params, prefix=''):
    return link_module.LinkResource(dict(params), prefix)


def test_every_kind_of_the_table_is_tested():
    assert sorted(KINDS) == sorted(link_kinds.KINDS)


@pytest.mark.parametrize('kind', sorted(KINDS))
def test_create(session, kind):
    params, existing, options = KINDS[kind]
    host_with_eth0(session)
    result = plan(resource(params), session)
    name = params['name']
    assert result.before == {'name': name, 'netns': None, 'state': 'absent'}
    assert texts(result) == ['create %s %s in the host namespace' % (kind, name),
                             'set %s in the host namespace up' % name]
    assert result.after == dict(options, name=name, netns=None, state='present', kind=kind, mtu=None, mac=None,
                                master='', up=True)


@pytest.mark.parametrize('kind', sorted(KINDS))
def test_no_change_when_the_options_are_equal(session, kind):
    params, existing, options = KINDS[kind]
    host_with_eth0(session).add_links(None, existing)
    result = plan(resource(params), session)
    assert result.before == dict(options, name=params['name'], netns=None, state='present', kind=kind, mtu=1500,
                                 mac='02:00:00:00:00:06', up=True, master='')
    assert result.changes == []
    assert result.after == result.before


@pytest.mark.parametrize('kind, data, param, reason', [
    ('vlan', {'IFLA_VLAN_ID': 200}, 'vlan_id', 'has vlan_id=200'),
    ('macvlan', {'IFLA_MACVLAN_MODE': 1}, 'macvlan_mode', 'has macvlan_mode=private'),
    # `ip link add type vxlan` without dstport gets the kernel's legacy 8472
    ('vxlan', dict(VXLAN_DATA, IFLA_VXLAN_PORT=8472), 'dstport', 'has dstport=8472'),
    ('vxlan', dict(VXLAN_DATA, IFLA_VXLAN_ID=7, IFLA_VXLAN_LOCAL='198.18.0.9'), 'local',
     'has local=198.18.0.9, vxlan_id=7'),
    ('vxlan', dict(VXLAN_DATA, IFLA_VXLAN_GROUP='239.1.1.1'), 'remote', 'has remote=None'),
])
def test_a_fixed_option_differing_is_refused_or_re_created_with_force(session, kind, data, param, reason):
    params, existing, _options = KINDS[kind]
    host_with_eth0(session).add_links(None, dict(existing, data=data))
    name = params['name']
    with pytest.raises(NetnsError) as exc:
        plan(resource(params, 'links[1].'), session)
    assert exc.value.msg == ('links[1].%s: %s in the host namespace %s; changing that means re-creating the link; '
                             'set force=true to replace it' % (param, name, reason))
    assert (exc.value.param, exc.value.value) == ('links[1].' + param, name)
    result = plan(resource(dict(params, force=True)), session)
    assert texts(result) == [
        'delete %s %s in the host namespace (%s; changing that means re-creating the link)' % (kind, name, reason),
        'create %s %s in the host namespace' % (kind, name), 'set %s in the host namespace up' % name]


def test_another_parent_is_a_fixed_option(session):
    params, existing, _options = KINDS['vlan']
    host_with_eth0(session).add_links(None, link(3, 'eth1'), existing)
    with pytest.raises(NetnsError) as exc:
        plan(resource(dict(params, link='eth1', vlan_id=101)), session)
    assert exc.value.msg == ('link: eth0.100 in the host namespace has link=eth0, vlan_id=100; changing that means '
                             're-creating the link; set force=true to replace it')


@pytest.mark.parametrize('existing, what', [
    (link(6, 'br0', 'dummy'), 'a dummy'),
    (link(6, 'br0'), 'a device without a kind (physical?)'),
])
def test_another_kind_at_the_name_is_refused_or_replaced(session, existing, what):
    session.add_links(None, existing)
    with pytest.raises(NetnsError) as exc:
        plan(resource({'name': 'br0', 'kind': 'bridge'}), session)
    assert exc.value.msg == 'name: br0 in the host namespace is %s, not a bridge; set force=true to replace it' % what
    result = plan(resource({'name': 'br0', 'kind': 'bridge', 'force': True}), session)
    assert texts(result)[:2] == ['delete %s br0 in the host namespace (is %s, not a bridge)'
                                 % (existing['kind'] or 'link', what), 'create bridge br0 in the host namespace']


def test_attributes_of_an_existing_link(session):
    session.add_links(None, link(4, 'br-lan', 'bridge'), link(6, 'd0', 'dummy', mtu=1500, up=False))
    result = plan(resource({'name': 'd0', 'kind': 'dummy', 'mtu': 9000, 'mac': '02:00:00:00:aa:01',
                            'master': 'br-lan'}), session)
    assert texts(result) == ['set mtu 9000 on d0 in the host namespace',
                             'set mac 02:00:00:00:aa:01 on d0 in the host namespace',
                             'set master br-lan on d0 in the host namespace', 'set d0 in the host namespace up']
    assert (result.after['mtu'], result.after['mac'], result.after['master'], result.after['up']) == (
        9000, '02:00:00:00:aa:01', 'br-lan', True)


def test_create_with_a_master_enslaves_before_up(session):
    session.add_links(None, link(4, 'br-lan', 'bridge'))
    result = plan(resource({'name': 'd0', 'kind': 'dummy', 'master': 'br-lan', 'up': False}), session)
    assert texts(result) == ['create dummy d0 in the host namespace', 'set master br-lan on d0 in the host namespace']


def test_create_needs_the_parent_and_the_master(session):
    with pytest.raises(NetnsError) as exc:
        plan(resource(KINDS['vlan'][0], 'links[0].'), session)
    assert exc.value.msg == 'links[0].link: eth0 does not exist in the host namespace'
    with pytest.raises(NetnsError) as exc:
        plan(resource({'name': 'd0', 'kind': 'dummy', 'master': 'br-lan'}), session)
    assert exc.value.msg == 'master: br-lan does not exist in the host namespace'


# -- vxlan flood destinations ----------------------------------------------------------------------------------

VXLAN_REMOTES = {'name': 'vx0', 'kind': 'vxlan', 'vxlan_id': 100, 'local': '198.18.0.1',
                 'remotes': ['198.18.0.3', '198.18.0.2', '198.18.0.1']}


def test_vxlan_remotes_are_made_exactly_the_listed_ones(session):
    session.add_links(None, link(6, 'vx0', 'vxlan', data={'IFLA_VXLAN_ID': 100, 'IFLA_VXLAN_PORT': 4789,
                                                          'IFLA_VXLAN_LOCAL': '198.18.0.1'}),
                      link(7, 'vx1', 'vxlan', data={'IFLA_VXLAN_ID': 101, 'IFLA_VXLAN_PORT': 4789}))
    # flood destinations of vx0; a learned entry (a real MAC) and vx1's are not vx0's remotes
    session.add_fdb(None, fdb(6, '198.18.0.3'), fdb(6, '198.18.0.4'), fdb(6, '198.18.0.9', mac='02:00:00:00:99:01'),
                    fdb(7, '198.18.0.5'))
    result = plan(resource(VXLAN_REMOTES), session)
    assert result.before['remotes'] == ['198.18.0.3', '198.18.0.4']
    assert texts(result) == ['remove flood destination 198.18.0.4 from vx0 in the host namespace',
                             'add flood destination 198.18.0.2 to vx0 in the host namespace']
    # its own address is not a destination: every host may list the whole fleet
    assert result.after['remotes'] == ['198.18.0.2', '198.18.0.3']
    # remotes not given: not managed, not read
    unmanaged = plan(resource(dict(VXLAN_REMOTES, remotes=None)), session)
    assert 'remotes' not in unmanaged.before and unmanaged.changes == []
    assert texts(plan(resource(dict(VXLAN_REMOTES, remotes=[])), session)) == [
        'remove flood destination 198.18.0.3 from vx0 in the host namespace',
        'remove flood destination 198.18.0.4 from vx0 in the host namespace']


def test_a_new_vxlan_gets_its_remotes_before_up(session):
    assert texts(plan(resource(VXLAN_REMOTES), session)) == [
        'create vxlan vx0 in the host namespace', 'add flood destination 198.18.0.2 to vx0 in the host namespace',
        'add flood destination 198.18.0.3 to vx0 in the host namespace', 'set vx0 in the host namespace up']


def test_a_vxlan_group_reads_back_as_group(session):
    session.add_links(None, link(6, 'vx0', 'vxlan', data={'IFLA_VXLAN_ID': 5, 'IFLA_VXLAN_PORT': 4789,
                                                          'IFLA_VXLAN_GROUP6': 'ff05::100', 'IFLA_VXLAN_LINK': 2}),
                      link(2, 'eth0'))
    before = resource({'name': 'vx0', 'kind': 'vxlan', 'vxlan_id': 5, 'group': 'ff05::100'}).read(session)
    assert (before['group'], before['remote'], before['local'], before['link']) == ('ff05::100', None, None, 'eth0')


# -- options read back -----------------------------------------------------------------------------------------

def test_an_unknown_macvlan_mode_reads_back_as_a_number(session):
    host_with_eth0(session).add_links(None, link(6, 'mv0', 'macvlan', parent=2, data={'IFLA_MACVLAN_MODE': 32}))
    params = KINDS['macvlan'][0]
    assert resource(params).read(session)['macvlan_mode'] == 32
    with pytest.raises(NetnsError) as exc:
        plan(resource(params), session)
    assert exc.value.msg == ('macvlan_mode: mv0 in the host namespace has macvlan_mode=32; changing that means '
                             're-creating the link; set force=true to replace it')


def test_a_parent_in_another_namespace_reads_back_as_its_ifindex(session):
    # a macvlan made on the host's eth0 (ifindex 2), then moved into red
    session.add_netns('red', nsid=3).set_peer_nsid('red', None, 0)
    session.add_links('red', link(6, 'mv0', 'macvlan', parent=2, link_netnsid=0, data={'IFLA_MACVLAN_MODE': 4}))
    params = dict(KINDS['macvlan'][0], netns='red')
    assert resource(params).read(session)['link'] == 'ifindex 2'
    with pytest.raises(NetnsError) as exc:
        plan(resource(params), session)
    assert exc.value.msg == ("link: mv0 in netns 'red' has link=ifindex 2; changing that means re-creating the link; "
                             "set force=true to replace it")


def test_a_parent_in_another_namespace_is_not_a_device_of_this_one_with_the_same_ifindex(session):
    session.add_netns('red', nsid=3).set_peer_nsid('red', None, 0)
    # red's own ifindex 2 is a veth: the moved macvlan's parent (the host's ifindex 2) is not that veth
    session.add_links('red', link(2, 'eth0', 'veth', parent=9, link_netnsid=0),
                      link(6, 'mv0', 'macvlan', parent=2, link_netnsid=0, data={'IFLA_MACVLAN_MODE': 4}))
    view = links.kind_view(session, 'red', session.links('red').get('mv0'))
    assert view == {'macvlan_mode': 'bridge', 'link': 'ifindex 2'}


# -- parameters ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('params, message', [
    ({'name': 'br0', 'kind': 'bridge', 'vlan_id': 5}, 'vlan_id: does not apply to kind bridge (got 5)'),
    ({'name': 'vx0', 'kind': 'vxlan', 'vxlan_id': 1, 'macvlan_mode': 'vepa'},
     "macvlan_mode: does not apply to kind vxlan (got 'vepa')"),
    ({'name': 'br0', 'kind': 'bridge', 'link': 'eth0'},
     "link: does not apply to kind bridge (it has no parent interface) (got 'eth0')"),
    ({'name': 'd0', 'kind': 'dummy', 'link': 'eth0'},
     "link: does not apply to kind dummy (it has no parent interface) (got 'eth0')"),
    ({'name': 'v', 'kind': 'vlan', 'vlan_id': 5}, 'link: kind vlan needs link (the parent interface) (got None)'),
    ({'name': 'v', 'kind': 'vlan', 'link': 'eth0'}, 'vlan_id: is required for kind vlan (got None)'),
    ({'name': 'm', 'kind': 'macvlan', 'link': 'eth0', 'macvlan_mode': 'loud'},
     "macvlan_mode: must be one of bridge, passthru, private, source, vepa (got 'loud')"),
    ({'name': 'vx0', 'kind': 'vxlan', 'vxlan_id': 1, 'remote': '198.18.0.2', 'remotes': ['198.18.0.3']},
     "remotes: cannot be combined with remote or group (got ['198.18.0.3'])"),
    ({'name': 'vx0', 'kind': 'vxlan', 'vxlan_id': 1, 'group': '198.18.0.2'},
     "group: must be a multicast address (use remote for a unicast peer) (got '198.18.0.2')"),
    ({'name': 'x', 'kind': 'ifb'}, "kind: must be one of bridge, dummy, macvlan, vlan, vxlan (got 'ifb')"),
    ({'name': 'x'}, 'kind: is required unless move_from is given (got None)'),
])
def test_options_are_refused_naming_the_option(params, message):
    with pytest.raises(ParameterError) as exc:
        resource(params, 'links[4].')
    assert exc.value.msg == 'links[4].' + message


def test_a_removal_needs_no_creation_options():
    removal = resource({'name': 'v', 'kind': 'vlan', 'state': 'absent'})
    assert removal.removal_item() == {'name': 'v', 'netns': None, 'kind': 'vlan'}


# -- absent ----------------------------------------------------------------------------------------------------

def test_absent(session):
    session.add_links(None, link(6, 'd0', 'dummy'), link(3, 'eth1'))
    assert texts(plan(resource({'name': 'd0', 'kind': 'dummy', 'state': 'absent'}), session)) == [
        'delete dummy d0 in the host namespace']
    assert texts(plan(resource({'name': 'd0', 'state': 'absent'}), session)) == [
        'delete dummy d0 in the host namespace']
    with pytest.raises(NetnsError) as exc:
        plan(resource({'name': 'd0', 'kind': 'bridge', 'state': 'absent'}), session)
    assert exc.value.msg == 'name: d0 in the host namespace is a dummy, not a bridge; refusing to delete it'
    with pytest.raises(NetnsError) as exc:
        plan(resource({'name': 'eth1', 'state': 'absent'}), session)
    assert exc.value.msg == ('name: eth1 in the host namespace has no link kind (a physical device?); refusing to '
                             'delete it without kind or force=true')
    assert texts(plan(resource({'name': 'eth1', 'state': 'absent', 'force': True}), session)) == [
        'delete link eth1 in the host namespace']
    gone = plan(resource({'name': 'nothing', 'kind': 'dummy', 'state': 'absent'}), session)
    assert gone.changes == [] and gone.after == {'name': 'nothing', 'netns': None, 'state': 'absent'}


# -- moving an interface ---------------------------------------------------------------------------------------

def test_an_interface_is_moved_and_comes_up_there(session):
    session.add_netns('red')
    session.add_links(None, link(3, 'eth1', mtu=9000))
    result = plan(resource({'name': 'eth1', 'netns': 'red', 'move_from': ''}), session)
    assert result.before == {'name': 'eth1', 'netns': 'red', 'state': 'elsewhere', 'in': None, 'kind': None,
                             'mtu': 9000, 'mac': '02:00:00:00:00:03', 'up': True, 'master': ''}
    assert texts(result) == ["move eth1 from the host namespace to netns 'red'", "set eth1 in netns 'red' up"]
    assert result.after == {'name': 'eth1', 'netns': 'red', 'state': 'present', 'kind': None, 'mtu': 9000,
                            'mac': '02:00:00:00:00:03', 'up': True, 'master': ''}
    assert resource({'name': 'eth1', 'netns': 'red', 'move_from': ''}).removal_item() is None  # never purged


def test_moving_what_is_nowhere_or_of_another_kind(session):
    session.add_netns('red')
    with pytest.raises(NetnsError) as exc:
        plan(resource({'name': 'eth1', 'netns': 'red', 'move_from': ''}), session)
    assert exc.value.msg == "name: eth1 exists neither in netns 'red' nor in the host namespace (move_from)"
    session.add_links(None, link(3, 'eth1'))
    with pytest.raises(NetnsError) as exc:
        plan(resource({'name': 'eth1', 'netns': 'red', 'move_from': '', 'kind': 'dummy'}), session)
    assert exc.value.msg == ('name: eth1 in the host namespace is a device without a kind, not a dummy; '
                             'not moving it')
    session.add_links('red', link(3, 'eth1'))
    assert plan(resource({'name': 'eth1', 'netns': 'red', 'move_from': ''}), session).changes == []  # there already
