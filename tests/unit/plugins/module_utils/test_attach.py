# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The attach and prune resources on a scratch directory standing in for /run/netns.

Only what needs no privilege runs here (symlink entries, validation, prune); bind mounts and containers are
covered by the integration target.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import os

import pytest

from ansible_collections.linuxnet.netns.plugins.module_utils import _attach as attach
from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.plugins.module_utils import _reconcile as reconcile
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError


def attach_resources(params):
    """The resources of one attach module call, built the way the module builds them."""
    return attach.build([('', params)])


def self_net():
    return '/proc/%d/ns/net' % os.getpid()


class Scratch(object):
    """The parts of Session the attach resources use, over a scratch run_dir (no lock, no mounts)."""

    def __init__(self, run_dir, check_mode=False):
        self.run_dir = run_dir
        self.check_mode = check_mode
        self.lock = contextlib.nullcontext()
        self.virtual = set()
        self.forgotten = []

    def entry(self, name):
        return kernel.inspect_entry(name, self.run_dir)

    def forget(self, name, hold=False):
        self.forgotten.append(name)


def params(**kwargs):
    base = dict((key, spec.get('default')) for key, spec in attach.ATTACH.items())
    base.update(kwargs)
    return base


def converge(run_dir, resources, check_mode=False):
    session = Scratch(str(run_dir), check_mode)
    report = reconcile.converge(session, resources)
    results = {}
    for plan in report.plans:
        results.update(plan.resource.result(session, plan, not check_mode))
    return report, results


# -- validation -----------------------------------------------------------------------------------------

@pytest.mark.parametrize('kwargs, message', [
    ({}, "name: is required unless prune=true is given (got None)"),
    ({'prune': False}, "name: is required unless prune=true is given (got None)"),
    ({'name': 'x'}, "name: state=present needs one of pid, path or container to say which namespace to attach (got 'x')"),
    ({'name': '../x', 'pid': 1}, 'name: a network namespace name must not contain "/"'),
    ({'name': '..', 'state': 'absent'}, 'name: a network namespace name must not be "." or ".."'),
    ({'name': 'x', 'pid': 0}, 'pid: must be at least 1 (got 0)'),
    ({'name': 'x', 'pid': 4194305}, 'pid: must be at most 4194304 (got 4194305)'),
    ({'name': 'x', 'path': 'proc/1/ns/net'}, "path: must be an absolute path of a network namespace file"),
    ({'name': 'x', 'container': ' '}, "container: must be a container name or id (got ' ')"),
    ({'name': 'x', 'container': 'c', 'runtime': 'docker', 'docker_host': 'tcp://h:2375'},
     "docker_host: must be a local unix socket"),
    ({'name': 'x', 'container': 'c', 'runtime': 'crio', 'crio_address': 'crio.sock'}, "crio_address: must be a local"),
    ({'prune': True, 'prune_pattern': 'a/*'}, "prune_pattern: must be a shell pattern"),
])
def test_bad_input_is_refused_before_anything(kwargs, message):
    with pytest.raises(ParameterError) as exc:
        attach_resources(params(**kwargs))
    assert exc.value.msg.startswith(message)


def test_resources_of_a_call():
    assert [r.kind for r in attach_resources(params(name='x', pid=1))] == ['attach']
    assert [r.kind for r in attach_resources(params(prune=True))] == ['attach_prune']
    both = attach_resources(params(name='x', pid=1, prune=True, prune_pattern='k8s-*'))
    assert [r.kind for r in both] == ['attach', 'attach_prune']
    assert both[1].exclude == 'x' and both[1].pattern == 'k8s-*'
    # absent needs no source; a given one is not looked at
    assert attach_resources(params(name='x', state='absent'))[0].state == 'absent'


def test_argspec_rules_match_the_options():
    for group in attach.ATTACH_RULES['mutually_exclusive'] + attach.ATTACH_RULES['required_one_of']:
        assert set(group) <= set(attach.ATTACH)
    assert set(attach.ATTACH_RULES['required_by']) <= set(attach.ATTACH)
    # required_one_of counts an option with a value as given: prune must have no default
    assert attach.ATTACH['prune'].get('default') is None


# -- what an entry is, as reported -------------------------------------------------------------------------

def test_entry_states(tmp_path):
    run_dir = str(tmp_path)
    os.symlink(self_net(), os.path.join(run_dir, 'live'))
    os.symlink('/proc/999999999/ns/net', os.path.join(run_dir, 'dangling'))
    open(os.path.join(run_dir, 'empty'), 'w').close()
    with open(os.path.join(run_dir, 'file'), 'w') as handle:
        handle.write('x')
    state = {name: attach._entry_state(kernel.inspect_entry(name, run_dir))
             for name in ('live', 'dangling', 'empty', 'file', 'none')}
    assert state['live'] == {'name': 'live', 'path': os.path.join(run_dir, 'live'), 'state': 'present',
                             'method': 'symlink', 'netns_inode': os.stat(self_net()).st_ino, 'symlink': self_net()}
    assert state['dangling']['state'] == 'stale' and state['dangling']['method'] == 'symlink'
    assert state['dangling']['problem'] == 'a symlink to /proc/999999999/ns/net, which no longer exists'
    assert state['empty']['state'] == 'stale' and state['empty']['method'] is None
    assert state['file']['state'] == 'invalid'
    assert state['none'] == {'name': 'none', 'path': os.path.join(run_dir, 'none'), 'state': 'absent',
                             'method': None, 'netns_inode': None}


# -- symlink entries, end to end on the scratch directory ------------------------------------------------

def test_symlink_attach_converges_and_is_idempotent(tmp_path):
    args = params(name='me', pid=os.getpid(), method='symlink', allow_host_netns=True)
    report, result = converge(tmp_path, attach_resources(args), check_mode=True)
    assert report.changed and not os.path.lexists(str(tmp_path / 'me'))
    assert result['netns_inode'] == os.stat(self_net()).st_ino
    report, result = converge(tmp_path, attach_resources(args))
    assert report.changed
    assert os.readlink(str(tmp_path / 'me')) == self_net()
    assert (result['state'], result['method'], result['symlink'], result['pid']) == (
        'present', 'symlink', self_net(), os.getpid())
    report, again = converge(tmp_path, attach_resources(args))
    assert not report.changed
    assert again == result


def test_identity_not_the_target_string_decides(tmp_path):
    """A link through another path of the same namespace is left alone."""
    os.symlink('/proc/self/../%d/ns/net' % os.getpid(), str(tmp_path / 'me'))
    report, result = converge(tmp_path, attach_resources(
        params(name='me', pid=os.getpid(), method='symlink', allow_host_netns=True)))
    assert not report.changed
    assert result['symlink'] == '/proc/self/../%d/ns/net' % os.getpid()


def test_stale_symlink_is_replaced(tmp_path):
    os.symlink('/proc/999999999/ns/net', str(tmp_path / 'me'))
    report, result = converge(tmp_path, attach_resources(
        params(name='me', pid=os.getpid(), method='symlink', allow_host_netns=True)))
    diff = report.diff_single()
    assert diff['before']['state'] == 'stale'
    assert diff['after']['symlink'] == self_net()
    assert report.actions[0].startswith('replace the stale entry %s (a symlink to /proc/999999999/ns/net, which no '
                                        'longer exists) with netns inode' % (tmp_path / 'me'))
    assert os.readlink(str(tmp_path / 'me')) == self_net()


def test_host_namespace_is_refused_unless_allowed(tmp_path, monkeypatch):
    monkeypatch.setattr(attach, 'host_identity', kernel.own_identity)
    with pytest.raises(NetnsError) as exc:
        converge(tmp_path, attach_resources(params(name='me', pid=os.getpid(), method='symlink')))
    assert exc.value.msg.startswith('pid: process %d is in the host network namespace (netns inode %d)'
                                    % (os.getpid(), os.stat(self_net()).st_ino))
    assert not os.path.lexists(str(tmp_path / 'me'))
    with pytest.raises(NetnsError) as exc:
        converge(tmp_path, attach_resources(params(name='me', path='/proc/self/ns/net')))
    assert exc.value.msg.startswith('path: /proc/self/ns/net is in the host network namespace')


def test_missing_process_and_wrong_files(tmp_path):
    with pytest.raises(NetnsError) as exc:
        converge(tmp_path, attach_resources(params(name='me', pid=4194303)))
    assert exc.value.msg == 'pid: process 4194303 does not exist (/proc/4194303/ns/net not found)'
    with pytest.raises(NetnsError) as exc:
        converge(tmp_path, attach_resources(params(name='me', path='/proc/self/ns/uts')))
    assert exc.value.msg.startswith('path: /proc/self/ns/uts is not a network namespace')


def test_foreign_entries(tmp_path):
    target = tmp_path / 'target'
    target.write_text('keep')
    run_dir = tmp_path / 'run'
    run_dir.mkdir()
    os.symlink(str(target), str(run_dir / 'tofile'))
    (run_dir / 'file').write_text('not a namespace')
    present = params(name='tofile', pid=os.getpid(), method='symlink', allow_host_netns=True)
    with pytest.raises(NetnsError) as exc:
        converge(run_dir, attach_resources(present))
    assert exc.value.msg.startswith('name: %s is a symlink to %s, which is not a network namespace; refusing to '
                                    'replace it' % (run_dir / 'tofile', target))
    with pytest.raises(NetnsError) as exc:
        converge(run_dir, attach_resources(params(name='file', state='absent')))
    assert 'refusing to delete it' in exc.value.msg
    report, result = converge(run_dir, attach_resources(params(name='tofile', state='absent')))
    assert report.actions == ['delete netns entry tofile (a symlink to %s, which is not a network namespace)' % target]
    assert not os.path.lexists(str(run_dir / 'tofile'))
    assert target.read_text() == 'keep'
    assert result['state'] == 'absent' and result['pid'] is None


# -- prune --------------------------------------------------------------------------------------------------

def test_prune_removes_only_stale_entries_matching_the_pattern(tmp_path):
    target = tmp_path / 'target'
    target.write_text('keep')
    run_dir = tmp_path / 'run'
    run_dir.mkdir()
    os.symlink('/proc/999999999/ns/net', str(run_dir / 'k8s-dead'))
    os.symlink('/proc/999999999/ns/net', str(run_dir / 'other-dead'))
    (run_dir / 'k8s-empty').write_text('')
    (run_dir / 'k8s-file').write_text('content')
    os.symlink(str(target), str(run_dir / 'k8s-tofile'))
    os.symlink(self_net(), str(run_dir / 'k8s-live'))
    (run_dir / 'k8s-dir').mkdir()
    prune = params(prune=True, prune_pattern='k8s-*')
    report, result = converge(run_dir, attach_resources(prune), check_mode=True)
    assert result == {'pruned': ['k8s-dead', 'k8s-empty']}
    assert len(os.listdir(str(run_dir))) == 7
    report, result = converge(run_dir, attach_resources(prune))
    assert result == {'pruned': ['k8s-dead', 'k8s-empty']}
    assert report.actions == [
        'prune the stale entry %s (a symlink to /proc/999999999/ns/net, which no longer exists)' % (run_dir / 'k8s-dead'),
        'prune the stale entry %s (an empty entry with no namespace mounted on it (stale))' % (run_dir / 'k8s-empty')]
    assert sorted(os.listdir(str(run_dir))) == ['k8s-dir', 'k8s-file', 'k8s-live', 'k8s-tofile', 'other-dead']
    assert target.read_text() == 'keep'
    report, result = converge(run_dir, attach_resources(prune))
    assert not report.changed and result == {'pruned': []}


def test_prune_leaves_the_attached_name_to_the_attach(tmp_path):
    os.symlink('/proc/999999999/ns/net', str(tmp_path / 'me'))
    os.symlink('/proc/999999999/ns/net', str(tmp_path / 'old'))
    args = params(name='me', pid=os.getpid(), method='symlink', allow_host_netns=True, prune=True)
    report, result = converge(tmp_path, attach_resources(args))
    assert result['pruned'] == ['old']
    assert len(report.actions) == 2 and report.actions[0].startswith('replace the stale entry')
    assert os.readlink(str(tmp_path / 'me')) == self_net()
