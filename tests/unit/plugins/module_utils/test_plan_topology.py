# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A whole description against a FakeSession: building through _kinds, uniqueness, preflight, a check-mode
converge, what it records as created (_ownership) and how purge turns that back into removals."""

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.linuxnet.netns.plugins.module_utils import _ownership as ownership
from ansible_collections.linuxnet.netns.plugins.module_utils import _reconcile as reconcile
from ansible_collections.linuxnet.netns.plugins.module_utils import _topology as topology
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import ParameterError
from ansible_collections.linuxnet.netns.tests.unit.plugins.module_utils.fakes import address, link, route

DESCRIPTION = {
    'namespaces': [{'name': 'red', 'nsid': 5}],
    'veths': [{'name': 'v-red', 'peer': 'eth0', 'peer_netns': 'red'}],
    'addresses': [{'dev': 'eth0', 'netns': 'red', 'address': ['198.18.0.1/24']}],
    'routes': [{'netns': 'red', 'gateway': '198.18.0.254'}],
}
ROUTE_KEY = 'route/0.0.0.0/0@red/table=254/metric=0'
# what a first run of DESCRIPTION records as created
OWNED = {
    'netns/red': {'section': 'namespaces', 'item': {'name': 'red'}},
    'veth/v-red': {'section': 'veths', 'item': {'name': 'v-red', 'netns': None, 'peer': 'eth0', 'peer_netns': 'red',
                                                'force': True}},
    'address/eth0@red/198.18.0.1/24': {'section': 'addresses',
                                       'item': {'dev': 'eth0', 'netns': 'red', 'address': ['198.18.0.1/24']}},
    ROUTE_KEY: {'section': 'routes', 'item': {'dst': '0.0.0.0/0', 'netns': 'red', 'table': '254', 'metric': 0,
                                              'type': 'unicast'}},
}


def normalised(description):
    return topology.normalise(description, ArgumentSpecValidator)


def built(description, state='present'):
    return topology.build(normalised(description), state)


def described(resources):
    return [(r.kind, r.key(), r.state, r.label) for r in resources]


def counts(**values):
    return dict(dict(created=0, changed=0, removed=0, unchanged=0), **values)


def converged_red(session):
    """The kernel after DESCRIPTION was applied."""
    session.add_netns('red', nsid=5).set_peer_nsid('red', None, 0)
    session.add_links(None, link(5, 'v-red', 'veth', parent=2, link_netnsid=5))
    session.add_links('red', link(2, 'eth0', 'veth', parent=5, link_netnsid=0))
    session.add_addresses('red', address(2, '198.18.0.1/24'))
    session.add_routes('red', route('198.18.0.0/24', oif=2, proto=2), route('0.0.0.0/0', gateway='198.18.0.254', oif=2))
    return session


# -- building --------------------------------------------------------------------------------------------------

def test_each_section_is_built_by_its_kind():
    resources = built(dict(DESCRIPTION, namespaces=[{'name': 'red', 'nsid': 5, 'sysctls': {'net.ipv4.ip_forward': 1}}],
                           links=[{'name': 'br0', 'netns': 'red', 'kind': 'bridge'}],
                           sysctls=[{'sysctls': {'net.ipv4.ip_forward': 1}}]))
    assert described(resources) == [
        ('netns', 'netns/red', 'present', 'namespaces[0]'),
        ('sysctls', 'sysctls/red', 'present', 'namespaces[0]'),
        ('sysctls', 'sysctls/', 'present', 'sysctls[0]'),
        ('link', 'link/br0@red', 'present', 'links[0]'),
        ('veth', 'veth/v-red', 'present', 'veths[0]'),
        ('address', 'address/eth0@red', 'present', 'addresses[0]'),
        ('route', ROUTE_KEY, 'present', 'routes[0]'),
    ]


def test_removing_the_whole_description_removes_every_object_but_its_sysctls():
    description = dict(DESCRIPTION, sysctls=[{'netns': 'red', 'sysctls': {'net.ipv4.ip_forward': 1}}])
    resources = topology.build(normalised(description), 'absent', build_inside_removed=True)
    assert described(resources) == [
        ('netns', 'netns/red', 'absent', 'namespaces[0]'),
        ('veth', 'veth/v-red', 'absent', 'veths[0]'),
        ('address', 'address/eth0@red', 'absent', 'addresses[0]'),
        ('route', ROUTE_KEY, 'absent', 'routes[0]'),
    ]


def test_objects_inside_a_removed_namespace_stand_in_unbuilt():
    # an address the address module would refuse: inside a namespace that goes, it is never parsed
    description = dict(DESCRIPTION, addresses=[{'dev': 'eth0', 'netns': 'red', 'address': ['not-an-address']},
                                               {'dev': 'v-red', 'address': ['198.18.0.2/24']}])
    resources = built(description, 'absent')
    assert described(resources) == [
        ('netns', 'netns/red', 'absent', 'namespaces[0]'),
        ('veth', 'veth/v-red', 'absent', 'veths[0]'),  # its other end may be elsewhere: always built
        ('address', 'address/v-red', 'absent', 'addresses[1]'),  # on the host: built
        ('address', 'address/addresses[0]', 'absent', 'addresses[0]'),
        ('route', 'route/routes[0]', 'absent', 'routes[0]'),
    ]
    assert [type(r).__name__ for r in resources[3:]] == ['ObjectInside', 'ObjectInside']
    with pytest.raises(ParameterError, match=r'addresses\[0\]\.address'):
        built(description, 'present')


def test_only_removals_inside_a_removed_namespace_stand_in():
    # an item wanted present in a namespace the description removes is built, and preflight refuses it
    description = dict(DESCRIPTION, namespaces=[{'name': 'red', 'state': 'absent'}, {'name': 'blue'}],
                       routes=[{'netns': 'red', 'gateway': '198.18.0.254', 'state': 'absent'},
                               {'netns': 'blue', 'gateway': '198.18.0.254', 'state': 'absent'},
                               {'netns': 'red', 'gateway': '198.18.0.253', 'metric': 5}])
    kinds = dict((r.label, type(r).__name__) for r in built(description) if r.kind == 'route')
    assert kinds == {'routes[0]': 'ObjectInside', 'routes[1]': 'RouteResource', 'routes[2]': 'RouteResource'}


def test_a_teardown_counts_the_objects_inside_with_their_namespace(session):
    converged_red(session).check_mode = True
    resources = built(DESCRIPTION, 'absent')
    report = reconcile.converge(session, resources)
    assert report.actions == ['delete netns red']
    assert topology.summarise(report) == {'netns': counts(removed=1), 'veth': counts(removed=1),
                                          'address': counts(removed=1), 'route': counts(removed=1)}
    netns_plan = [plan for plan in report.plans if plan.resource.kind == 'netns'][0]
    assert netns_plan.before['described_objects_inside'] == {'veth': 1, 'address': 1, 'route': 1}


def test_objects_inside_a_namespace_that_is_not_there_are_not_there_either(session):
    session.check_mode = True
    report = reconcile.converge(session, built(DESCRIPTION, 'absent'))
    assert report.actions == []
    assert topology.summarise(report) == {'netns': counts(unchanged=1), 'veth': counts(unchanged=1),
                                          'address': counts(unchanged=1), 'route': counts(unchanged=1)}


def test_normalise_names_the_item():
    with pytest.raises(ParameterError) as exc:
        normalised({'veths': [{'name': 'v0'}]})
    assert exc.value.msg.startswith('veths[0]: missing required arguments: peer')
    with pytest.raises(ParameterError) as exc:
        normalised({'links': 'br0'})
    assert exc.value.msg == "links: must be a list (got 'br0')"


@pytest.mark.parametrize('description, message', [
    ({'namespaces': [{'name': 'red'}, {'name': 'blue'}, {'name': 'red', 'nsid': 3}]},
     "namespaces[2]: describes the same object as namespaces[0] (got 'netns/red')"),
    ({'veths': [{'name': 'v0', 'peer': 'p0'}, {'name': 'v0', 'peer': 'p1'}]},
     "veths[1]: describes the same object as veths[0] (got 'veth/v0')"),
    ({'links': [{'name': 'eth0', 'netns': 'red', 'kind': 'dummy'}],
      'veths': [{'name': 'v-red', 'peer': 'eth0', 'peer_netns': 'red'}]},
     "veths[0]: interface eth0 in netns red is also described by links[0] (got 'eth0')"),
    ({'veths': [{'name': 'v0', 'peer': 'p0'}, {'name': 'v1', 'peer': 'v0'}]},
     "veths[1]: interface v0 is also described by veths[0] (got 'v0')"),
])
def test_one_object_or_interface_described_twice_is_refused(description, message):
    with pytest.raises(ParameterError) as exc:
        built(description)
    assert exc.value.msg == message


def test_an_interface_removed_by_one_item_may_be_made_by_another():
    resources = built({'links': [{'name': 'eth0', 'netns': 'red', 'kind': 'dummy', 'state': 'absent'}],
                       'veths': [{'name': 'v-red', 'peer': 'eth0', 'peer_netns': 'red'}]})
    assert [(r.key(), r.state) for r in resources] == [('link/eth0@red', 'absent'), ('veth/v-red', 'present')]


# -- preflight -------------------------------------------------------------------------------------------------

def test_preflight_needs_each_namespace_existing_or_described(session):
    topology.preflight(session, built(DESCRIPTION))
    resources = built(dict(DESCRIPTION, veths=[{'name': 'v-blue', 'peer': 'eth0', 'peer_netns': 'blue'}]))
    with pytest.raises(ParameterError) as exc:
        topology.preflight(session, resources)
    assert exc.value.msg == ("veths[0].peer_netns: network namespace 'blue' does not exist and is not described in "
                             "namespaces (got 'blue')")
    topology.preflight(session.add_netns('blue'), resources)


def test_preflight_refuses_an_item_in_a_namespace_the_description_removes(session):
    session.add_netns('red')
    resources = built(dict(DESCRIPTION, namespaces=[{'name': 'red', 'state': 'absent'}], veths=[], routes=[]))
    with pytest.raises(ParameterError) as exc:
        topology.preflight(session, resources)
    assert exc.value.msg == "addresses[0].netns: names a namespace this description removes (got 'red')"
    # removals are not checked: they are done already where there is no namespace
    topology.preflight(session, built(dict(DESCRIPTION, namespaces=[{'name': 'red', 'state': 'absent'}]), 'absent'))


# -- a check-mode run, and what it records ---------------------------------------------------------------------

def test_a_check_mode_run_plans_every_stage_against_the_earlier_ones(session):
    session.check_mode = True
    report = reconcile.converge(session, built(DESCRIPTION))
    assert report.actions == ['create netns red with nsid 5',
                              "create veth v-red in the host namespace <-> eth0 in netns 'red'",
                              "set lo up in netns 'red'",
                              "add 198.18.0.1/24 to eth0 in netns 'red'",
                              "add route default via 198.18.0.254 in netns 'red'"]
    assert report.applied == []
    assert topology.summarise(report) == {'netns': counts(created=1), 'veth': counts(created=1),
                                          'address': counts(changed=1), 'route': counts(created=1)}
    owned = {}
    assert ownership.record_created(owned, report.plans) is True
    assert owned == OWNED
    assert ownership.record_created(owned, report.plans) is False


def test_a_converged_description_is_unchanged_and_records_nothing(session):
    converged_red(session).check_mode = True
    report = reconcile.converge(session, built(DESCRIPTION))
    assert report.actions == []
    assert topology.summarise(report) == {'netns': counts(unchanged=1), 'veth': counts(unchanged=1),
                                          'address': counts(unchanged=1), 'route': counts(unchanged=1)}
    owned = {}
    assert ownership.record_created(owned, report.plans) is False and owned == {}


def test_described_keys_are_what_purge_keeps():
    assert ownership.described_keys(built(DESCRIPTION)) == set(OWNED)
    assert ownership.described_keys(built(DESCRIPTION, 'absent')) == set()


# -- purge -----------------------------------------------------------------------------------------------------

def test_purge_rebuilds_the_recorded_objects_as_removals():
    # the namespace stays (described): what the record holds inside it is removed object by object
    resources, purged = ownership.purge_resources(OWNED, set(['netns/red']))
    assert purged == sorted(set(OWNED) - set(['netns/red']))
    assert described(resources) == [
        ('veth', 'veth/v-red', 'absent', 'purge veth/v-red'),
        ('address', 'address/eth0@red', 'absent', 'purge address/eth0@red'),
        ('route', ROUTE_KEY, 'absent', 'purge %s' % ROUTE_KEY),
    ]
    assert resources[0].force is True
    assert sorted(resources[1].addresses) == sorted(built(DESCRIPTION)[2].addresses)


def test_purging_a_namespace_stands_in_for_the_objects_inside_it():
    resources, purged = ownership.purge_resources(OWNED, set())
    assert purged == sorted(OWNED)
    assert described(resources) == [
        ('netns', 'netns/red', 'absent', 'purge netns/red'),
        ('veth', 'veth/v-red', 'absent', 'purge veth/v-red'),  # its other end may be elsewhere: built
        ('address', 'address/eth0@red/198.18.0.1/24', 'absent', 'purge address/eth0@red/198.18.0.1/24'),
        ('route', ROUTE_KEY, 'absent', 'purge %s' % ROUTE_KEY),
    ]
    assert [type(r).__name__ for r in resources] == ['NetnsResource', 'VethResource', 'ObjectInside', 'ObjectInside']


def test_purge_keeps_what_is_still_described():
    keep = ownership.described_keys(built(dict(DESCRIPTION, routes=[])))
    resources, purged = ownership.purge_resources(OWNED, keep)
    assert purged == [ROUTE_KEY]
    assert [r.key() for r in resources] == [ROUTE_KEY]


def test_purge_does_not_remove_etc_netns_files_of_a_namespace_it_removes():
    record = {
        'netns/red': OWNED['netns/red'],
        'etc_files/red/resolv.conf': {'section': 'etc_files',
                                      'item': {'netns': 'red', 'etc_files': {'resolv.conf': None}}},
        'etc_files/blue/hosts': {'section': 'etc_files', 'item': {'netns': 'blue', 'etc_files': {'hosts': None}}},
        'etc_files/green/hosts': {'section': 'etc_files', 'item': {'netns': 'green', 'etc_files': {'hosts': None}}},
        'something/else': {'section': 'no-such-section', 'item': {}},
    }
    resources, purged = ownership.purge_resources(record, set(), removed_namespaces={'green'})
    # red's file goes with red's /etc/netns directory, green's with green (removed by the description itself)
    assert described(resources) == [('netns', 'netns/red', 'absent', 'purge netns/red'),
                                    ('etc_files', 'etc_files/blue', 'absent', 'purge etc_files/blue')]
    assert resources[1].files == {'hosts': None}
    assert purged == ['etc_files/blue/hosts', 'etc_files/green/hosts', 'etc_files/red/resolv.conf', 'netns/red']


def test_purging_a_namespace_removes_what_is_in_it_with_it(session):
    converged_red(session).check_mode = True
    resources, _purged = ownership.purge_resources(OWNED, set())
    report = reconcile.converge(session, resources)
    assert report.actions == ['delete netns red']
    notes = dict((plan.resource.key(), plan.notes) for plan in report.plans)
    assert notes == {'netns/red': [], 'veth/v-red': ['removed together with netns red'],
                     'address/eth0@red/198.18.0.1/24': ['removed together with netns red'],
                     ROUTE_KEY: ['removed together with netns red']}
    assert [plan.after['state'] for plan in report.plans] == ['absent'] * 4


def test_summarise_counts_objects_removed_with_their_namespace_as_removed(session):
    converged_red(session).check_mode = True
    report = reconcile.converge(session, ownership.purge_resources(OWNED, set())[0])
    assert topology.summarise(report) == {'netns': counts(removed=1), 'veth': counts(removed=1),
                                          'address': counts(removed=1), 'route': counts(removed=1)}


def test_a_teardown_purges_the_record_without_building_what_the_description_removes_itself():
    resources = built(DESCRIPTION, 'absent')
    extra, purged = topology.purge_removals(resources, OWNED, 'absent')
    assert extra == []
    assert purged == sorted(OWNED)


def test_purge_removes_a_recorded_address_and_file_beside_described_ones_of_the_same_device_and_directory(session):
    record = dict(OWNED)
    record['address/eth0@red/198.18.0.2/24'] = {'section': 'addresses',
                                                'item': {'dev': 'eth0', 'netns': 'red', 'address': ['198.18.0.2/24']}}
    record['etc_files/red/hosts'] = {'section': 'etc_files', 'item': {'netns': 'red', 'etc_files': {'hosts': None}}}
    description = dict(DESCRIPTION, namespaces=[{'name': 'red', 'nsid': 5, 'etc_files': {'resolv.conf': 'x\n'}}],
                       addresses=[{'dev': 'eth0', 'netns': 'red', 'address': ['198.18.0.1/24', '198.18.0.3/24']}])
    resources = built(description)
    extra, purged = topology.purge_removals(resources, record, 'present')
    assert purged == ['address/eth0@red/198.18.0.2/24', 'etc_files/red/hosts']
    assert described(extra) == [('etc_files', 'etc_files/red', 'absent', 'purge etc_files/red'),
                                ('address', 'address/eth0@red', 'absent', 'purge address/eth0@red')]
    converged_red(session).add_addresses('red', address(2, '198.18.0.2/24'))
    session.check_mode = True
    report = reconcile.converge(session, resources + extra)
    assert "remove 198.18.0.2/24 from eth0 in netns 'red'" in report.actions
    assert "add 198.18.0.3/24 to eth0 in netns 'red'" in report.actions
    # two plans for one device's key, two for one directory's: each is named by its label
    # (no hosts file here, so the file's purge does not change anything)
    names = [name for name, _plan in report.named(changed_only=True)]
    assert sorted(names) == ['addresses[0]', 'namespaces[0]', 'purge address/eth0@red']
    assert set(report.diff_by_key()['before']) == set(names)


def test_a_purge_sharing_a_key_is_named_by_its_label_even_when_the_described_object_is_unchanged(session):
    record = dict(OWNED)
    record['address/eth0@red/198.18.0.2/24'] = {'section': 'addresses',
                                                'item': {'dev': 'eth0', 'netns': 'red', 'address': ['198.18.0.2/24']}}
    resources = built(DESCRIPTION)
    extra, purged = topology.purge_removals(resources, record, 'present')
    assert purged == ['address/eth0@red/198.18.0.2/24']
    converged_red(session).add_addresses('red', address(2, '198.18.0.2/24'))
    session.check_mode = True
    report = reconcile.converge(session, resources + extra)
    assert report.actions == ["remove 198.18.0.2/24 from eth0 in netns 'red'"]
    assert [name for name, _plan in report.named(changed_only=True)] == ['purge address/eth0@red']
    assert 'addresses[0]' in [name for name, _plan in report.named()]


# -- a device the kernel is still removing with a namespace deleted before the run ----------------------------

HOST_END = {
    'namespaces': [{'name': 'red'}],
    'veths': [{'name': 'v-red', 'peer': 'eth0', 'peer_netns': 'red'}],
    'addresses': [{'dev': 'v-red', 'address': ['198.18.0.254/24']}],
}


def host_end_of_a_deleted_namespace(session, link_netnsid=3):
    """red is deleted, but the kernel has not freed it yet: the host's end of its veth is still there."""
    session.add_links(None, link(5, 'v-red', 'veth', parent=2, link_netnsid=link_netnsid))
    session.add_addresses(None, address(5, '198.18.0.254/24'))
    return session


def kernel_frees_it_at_the_first_sleep(monkeypatch, session):
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        host = session.namespaces[None]
        host.links = [item for item in host.links if item['name'] != 'v-red']
        host.addresses = [item for item in host.addresses if item['index'] != 5]
    monkeypatch.setattr(reconcile.time, 'sleep', sleep)
    return sleeps


@pytest.mark.parametrize('link_netnsid', [3, -1])
def test_a_teardown_run_again_waits_for_the_host_end_the_kernel_is_still_removing(monkeypatch, session,
                                                                                  link_netnsid):
    host_end_of_a_deleted_namespace(session, link_netnsid)
    sleeps = kernel_frees_it_at_the_first_sleep(monkeypatch, session)
    report = reconcile.converge(session, built(HOST_END, 'absent'))
    assert sleeps == [0.02]
    assert report.actions == [] and not report.changed
    assert (None,) in session.invalidated  # nothing read of the host before the wait is used after it


def test_a_host_end_that_does_not_go_is_removed_after_the_wait(monkeypatch, session):
    host_end_of_a_deleted_namespace(session)
    monkeypatch.setattr(reconcile, 'SETTLE_SECONDS', 0.05)
    monkeypatch.setattr(reconcile.time, 'sleep', lambda seconds: None)
    session.check_mode = True
    report = reconcile.converge(session, built(HOST_END, 'absent'))
    assert report.actions == ['remove 198.18.0.254/24 from v-red in the host namespace']


def test_a_veth_whose_other_end_is_in_a_named_namespace_is_not_waited_for(monkeypatch, session):
    # the pair was moved: its other end lives on in blue, so the kernel is not removing it
    host_end_of_a_deleted_namespace(session)
    session.add_netns('blue').set_peer_nsid(None, 'blue', 3)
    session.add_links('blue', link(2, 'eth0', 'veth', parent=5, link_netnsid=0))
    monkeypatch.setattr(reconcile.time, 'sleep', lambda seconds: pytest.fail('waited for a device that stays'))
    session.check_mode = True
    report = reconcile.converge(session, built(HOST_END, 'absent'))
    assert report.actions == ['remove 198.18.0.254/24 from v-red in the host namespace']
