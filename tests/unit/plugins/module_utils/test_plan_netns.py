# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading and planning namespaces and their sysctls against a FakeSession: the state before and after, and
the exact changes and refusals (creating, deleting and writing are covered by the integration targets)."""

import os

import pytest

from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.plugins.module_utils import _netns as netns
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError
from ansible_collections.linuxnet.netns.tests.unit.plugins.module_utils.fakes import plan, texts


def path(session, name):
    return os.path.join(session.run_dir, name)


def test_absent_is_created_with_its_nsid(session):
    result = plan(netns.NetnsResource('red', nsid=5), session)
    assert result.before == {'name': 'red', 'path': path(session, 'red'), 'state': 'absent', 'nsid': None}
    assert result.after == {'name': 'red', 'path': path(session, 'red'), 'state': 'present', 'nsid': 5}
    assert texts(result) == ['create netns red with nsid 5']


def test_absent_without_nsid(session):
    result = plan(netns.NetnsResource('red'), session)
    assert texts(result) == ['create netns red']
    assert result.after['nsid'] is None


def test_present_is_unchanged(session):
    session.add_netns('red', nsid=5)
    result = plan(netns.NetnsResource('red', nsid=5), session)
    assert result.before == {'name': 'red', 'path': path(session, 'red'), 'state': 'present', 'nsid': 5}
    assert result.after == result.before
    assert result.changes == [] and result.notes == []


def test_present_without_nsid_gets_it(session):
    session.add_netns('red')
    result = plan(netns.NetnsResource('red', nsid=5), session)
    assert texts(result) == ['set nsid 5 on netns red']
    assert result.after['nsid'] == 5


def test_an_attached_symlink_entry_is_present_and_says_so(session):
    session.add_netns('web', nsid=2, symlink='/proc/4242/ns/net')
    result = plan(netns.NetnsResource('web'), session)
    assert result.before == {'name': 'web', 'path': path(session, 'web'), 'state': 'present', 'nsid': 2,
                             'symlink': '/proc/4242/ns/net'}
    assert result.changes == []


def test_a_stale_placeholder_is_created_on(session):
    session.add_entry('red', kernel.PLACEHOLDER)
    result = plan(netns.NetnsResource('red', nsid=7), session)
    assert result.before == {'name': 'red', 'path': path(session, 'red'), 'state': 'stale', 'nsid': None,
                             'problem': 'an empty entry with no namespace mounted on it (stale)'}
    assert result.after == {'name': 'red', 'path': path(session, 'red'), 'state': 'present', 'nsid': 7}
    assert texts(result) == ['create netns red on the stale entry %s with nsid 7' % path(session, 'red')]


@pytest.mark.parametrize('kind', [kernel.DANGLING, kernel.REPLACED])
def test_a_stale_symlink_is_refused(session, kind):
    session.add_entry('red', kind, symlink='/proc/77/ns/net')
    with pytest.raises(NetnsError) as exc:
        plan(netns.NetnsResource('red', param_prefix='namespaces[0].'), session)
    described = kernel.Entry('red', path(session, 'red'), kind, symlink='/proc/77/ns/net').describe()
    assert exc.value.msg == (
        '%s is %s (a stale link, e.g. from linuxnet.netns.attach with method=symlink); remove it with state=absent '
        'or attach prune before creating a namespace there' % (path(session, 'red'), described))
    assert (exc.value.param, exc.value.value) == ('namespaces[0].name', 'red')


def test_an_invalid_entry_is_refused_both_ways(session):
    session.add_entry('red', kernel.FOREIGN, detail='a directory, not a network namespace')
    with pytest.raises(NetnsError) as exc:
        plan(netns.NetnsResource('red'), session)
    assert exc.value.msg == ('%s is a directory, not a network namespace; refusing to replace it (remove it '
                             'yourself if it is not needed)' % path(session, 'red'))
    with pytest.raises(NetnsError) as exc:
        plan(netns.NetnsResource('red', state='absent'), session)
    assert exc.value.msg == '%s is a directory, not a network namespace; refusing to delete it' % path(session, 'red')


def test_changing_an_assigned_nsid_is_refused(session):
    session.add_netns('red', nsid=3)
    with pytest.raises(NetnsError) as exc:
        plan(netns.NetnsResource('red', nsid=5), session)
    assert exc.value.msg == ('nsid: netns red already has nsid 3 and the kernel does not allow changing an assigned '
                             'nsid; delete and re-create the namespace to get nsid 5')
    assert (exc.value.param, exc.value.value) == ('nsid', 5)


def test_an_nsid_another_namespace_has_is_refused(session):
    session.add_netns('blue', nsid=5).add_netns('green', nsid=6)
    with pytest.raises(NetnsError) as exc:
        plan(netns.NetnsResource('red', nsid=5), session)
    assert exc.value.msg == 'nsid: nsid 5 is already used by netns blue'
    assert texts(plan(netns.NetnsResource('red', nsid=4), session)) == ['create netns red with nsid 4']


def test_check_mode_reads_a_planned_namespace_as_present(session):
    session.virtual.add('red')
    result = plan(netns.NetnsResource('red', nsid=5), session)
    assert result.before == {'name': 'red', 'path': path(session, 'red'), 'state': 'present', 'nsid': 5}
    assert result.changes == []


# -- absent ----------------------------------------------------------------------------------------------

def test_absent_with_processes_inside_says_so(session):
    session.add_netns('red', nsid=5, pids=[310, 42])
    resource = netns.NetnsResource('red', state='absent')
    result = plan(resource, session)
    assert texts(result) == ['delete netns red']
    assert result.notes == ['processes still in netns red: 310, 42']
    assert result.before == {'name': 'red', 'path': path(session, 'red'), 'state': 'present', 'nsid': 5,
                             'pids': [310, 42]}
    assert result.after == {'name': 'red', 'path': path(session, 'red'), 'state': 'absent', 'nsid': None}
    assert resource.removes_namespace(session) == 'red'


def test_absent_removes_its_etc_netns_directory_first(session):
    session.add_netns('red')
    etc = os.path.join(kernel.ETC_DIR, 'red')
    os.makedirs(etc)
    result = plan(netns.NetnsResource('red', state='absent'), session)
    assert texts(result) == ['remove %s' % etc, 'delete netns red']
    assert result.notes == []


def test_absent_of_a_stale_entry_deletes_it_without_asking_for_processes(session):
    session.add_entry('red', kernel.DANGLING, symlink='/proc/77/ns/net')
    resource = netns.NetnsResource('red', state='absent')
    result = plan(resource, session)
    assert texts(result) == ['delete netns red']
    assert result.before['pids'] == [] and result.before['state'] == 'stale'
    assert resource.removes_namespace(session) is None  # nothing lives there to take objects along


def test_absent_and_absent_is_unchanged(session):
    result = plan(netns.NetnsResource('red', state='absent'), session)
    assert result.changes == [] and result.notes == []
    assert result.after == result.before


# -- sysctls ---------------------------------------------------------------------------------------------

def test_sysctls_plan_only_the_keys_that_differ(session):
    resource = netns.SysctlResource('red', {'net.ipv4.ip_forward': True, 'net/ipv4/ip_default_ttl': 64,
                                            'net.ipv4.conf.eth0.rp_filter': '  2 '})
    before = {'sysctls': {'net.ipv4.ip_forward': '0', 'net.ipv4.ip_default_ttl': '64',
                          'net.ipv4.conf.eth0.rp_filter': '1'}}
    result = resource.plan(session, before)
    assert texts(result) == ["set net.ipv4.conf.eth0.rp_filter = 2 in netns 'red'",
                             "set net.ipv4.ip_forward = 1 in netns 'red'"]
    assert result.after == {'sysctls': {'net.ipv4.ip_forward': '1', 'net.ipv4.ip_default_ttl': '64',
                                        'net.ipv4.conf.eth0.rp_filter': '2'}}
    assert result.before == before
    again = resource.plan(session, result.after)
    assert again.changes == []


def test_sysctls_of_the_host_say_so(session):
    host = netns.SysctlResource(None, {'net.ipv4.ip_forward': 1})
    result = host.plan(session, {'sysctls': {'net.ipv4.ip_forward': '0'}})
    assert texts(result) == ['set net.ipv4.ip_forward = 1 in the host namespace']


@pytest.mark.parametrize('sysctls, message', [
    ({'net.ipv4.no_such_key_here': 1}, "sysctls.net.ipv4.no_such_key_here: no such sysctl in this kernel (got "
                                       "'net.ipv4.no_such_key_here')"),
    ({'kernel.hostname': 'x'}, "sysctls.kernel.hostname: only net.* sysctls belong to a network namespace; other "
                               "keys would change the whole host (got 'kernel.hostname')"),
    ({'net.ipv4.ip_forward': None}, 'sysctls.net.ipv4.ip_forward: a sysctl value must not be empty (got None)'),
    (['net.ipv4.ip_forward'], "sysctls: must be a dictionary of sysctl keys to values, e.g. {net.ipv4.ip_forward: 1} "
                              "(got ['net.ipv4.ip_forward'])"),
])
def test_sysctls_are_refused_before_anything_changes(sysctls, message):
    with pytest.raises(ParameterError) as exc:
        netns.SysctlResource('red', sysctls)
    assert exc.value.msg == message


def test_the_builder_makes_a_namespace_and_its_sysctls():
    resources = netns.build_namespaces([('namespaces[0].', {'name': 'red', 'state': 'present', 'nsid': 1,
                                                            'sysctls': {'net.ipv4.ip_forward': 1}}),
                                        ('namespaces[1].', {'name': 'blue', 'state': 'absent',
                                                            'sysctls': {'net.ipv4.ip_forward': 1}})])
    assert [(r.key(), r.state, r.label) for r in resources] == [
        ('netns/red', 'present', 'namespaces[0]'), ('sysctls/red', 'present', 'namespaces[0]'),
        ('netns/blue', 'absent', 'namespaces[1]')]
