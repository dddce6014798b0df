# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reconcile mechanism on an in-memory world (its kernel side is tested by the integration targets)."""

import pytest

from ansible_collections.linuxnet.netns.plugins.module_utils import _reconcile as reconcile
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError


class World:
    """A stand-in for Session: a dict of objects, and the check_mode flag."""

    def __init__(self, objects=None, check_mode=False):
        self.objects = dict(objects or {})
        self.check_mode = check_mode
        self.log = []
        self.virtual = set()

    def exists(self, name):
        return ('netns/%s' % name) in self.objects


class Thing(reconcile.Resource):
    """A key/value object; 'fail' makes its apply step raise."""

    def __init__(self, kind, name, value=None, state='present', phase=0, fail=False, netns=None):
        self.kind = kind
        self.name = name
        self.value = value
        self.state = state
        self.phase = phase
        self.fail = fail
        self.netns = netns

    def key(self):
        return '%s/%s' % (self.kind, self.name)

    def netns_names(self):
        return (self.netns,)

    def removes_namespace(self, session):
        # a netns thing is a namespace: removing it removes what is inside
        return self.name if self.kind == 'netns' and self.state == 'absent' and session.exists(self.name) else None

    def read(self, session):
        session.log.append('read ' + self.key())
        if self.fail == 'read':
            raise OSError(13, 'Permission denied', '/proc/sys/net/ipv4/ip_forward')
        if self.key() in session.objects:
            return {'state': 'present', 'value': session.objects[self.key()]}
        return {'state': 'absent', 'value': None}

    def plan(self, session, before):
        if self.fail == 'plan':
            raise OSError(1, 'Operation not permitted')
        if self.state == 'absent':
            after = {'state': 'absent', 'value': None}
        else:
            after = {'state': 'present', 'value': self.value}
        changes = []
        if before != after:
            changes.append(reconcile.Change('%s %s' % ('remove' if self.state == 'absent' else 'set', self.key()),
                                            self.apply))
        return reconcile.Plan(self, before, after, changes)

    def apply(self, world):
        if self.fail == 'oserror':
            raise OSError(16, 'Device or resource busy')
        if self.fail is True:
            raise NetnsError('kernel said no')
        world.log.append('apply ' + self.key())
        if self.state == 'absent':
            del world.objects[self.key()]
        else:
            world.objects[self.key()] = self.value


def test_stage_order_creations_forward_removals_backward():
    resources = [
        Thing('route', 'r', 1, phase=4), Thing('netns', 'n', 1, phase=0),
        Thing('addr', 'a', state='absent', phase=3), Thing('link', 'l', 1, phase=2),
        Thing('netns', 'gone', state='absent', phase=0),
    ]
    order = [[r.key() for r in stage] for stage in reconcile.stages(resources)]
    assert order == [['addr/a'], ['netns/gone'], ['netns/n'], ['link/l'], ['route/r']]


def test_converge_reads_a_whole_stage_before_applying():
    world = World()
    report = reconcile.converge(world, [Thing('link', 'a', 1, phase=2), Thing('link', 'b', 2, phase=2)])
    assert world.log == ['read link/a', 'read link/b', 'apply link/a', 'apply link/b']
    assert report.changed
    assert report.applied == ['set link/a', 'set link/b']


def test_second_run_is_unchanged():
    world = World()
    things = [Thing('netns', 'n', 1), Thing('link', 'l', 'x', phase=2)]
    assert reconcile.converge(world, things).changed
    again = reconcile.converge(world, things)
    assert not again.changed
    assert again.actions == []


def test_check_mode_applies_nothing_but_reports_the_changes():
    world = World(check_mode=True)
    report = reconcile.converge(world, [Thing('netns', 'n', 1)])
    assert report.changed
    assert report.actions == ['set netns/n']
    assert report.applied == []
    assert world.objects == {}


def test_failure_names_the_object_and_what_was_applied():
    world = World()
    things = [Thing('netns', 'n', 1), Thing('link', 'l', 1, phase=2, fail=True)]
    things[1].label = 'links[0]'
    with pytest.raises(reconcile.ConvergeError) as exc:
        reconcile.converge(world, things)
    assert exc.value.object == 'link/l'
    assert exc.value.applied == ['set netns/n']
    assert exc.value.msg == 'links[0] (link/l): set link/l: kernel said no'
    # a corrected re-run converges
    things[1].fail = False
    assert reconcile.converge(world, things).changed
    assert not reconcile.converge(world, things).changed


def test_objects_inside_a_removed_namespace_are_not_deleted_one_by_one():
    world = World({'netns/n': 1, 'link/l': 1})
    things = [Thing('netns', 'n', state='absent'), Thing('link', 'l', state='absent', phase=2, netns='n')]
    report = reconcile.converge(world, things)
    assert report.applied == ['remove netns/n']
    link_plan = [p for p in report.plans if p.resource.kind == 'link'][0]
    assert link_plan.notes == ['removed together with netns n']


def test_diff_single_merges_and_diff_by_key_lists_changed_objects():
    world = World({'link/same': 1})
    report = reconcile.converge(world, [Thing('link', 'same', 1), Thing('link', 'new', 2)])
    assert report.diff_by_key() == {
        'before': {'link/new': {'state': 'absent', 'value': None}},
        'after': {'link/new': {'state': 'present', 'value': 2}},
    }
    assert report.diff_single()['after'] == {'state': 'present', 'value': 2}


def test_without_states_a_report_still_counts_and_names_the_changes():
    world = World({'link/same': 1})
    report = reconcile.converge(world, [Thing('link', 'same', 1), Thing('link', 'new', 2)], keep_states=False)
    assert report.changed and report.actions == ['set link/new'] and world.objects['link/new'] == 2
    assert [(plan.resource.key(), plan.changed, plan.before, plan.after) for plan in report.plans] == [
        ('link/same', False, {'state': 'present'}, None), ('link/new', True, {'state': 'absent'}, None)]
    assert [change.run for plan in report.plans for change in plan.changes] == [None]  # ran, then let go


@pytest.mark.parametrize('where', ['read', 'plan'])
def test_an_os_error_reading_or_planning_is_a_clean_failure_naming_the_object(where):
    world = World()
    things = [Thing('netns', 'n', 1), Thing('link', 'l', 1, phase=2, fail=where)]
    things[1].label = 'links[0]'
    with pytest.raises(reconcile.ConvergeError) as exc:
        reconcile.converge(world, things)
    assert exc.value.object == 'link/l'
    assert exc.value.applied == ['set netns/n']
    assert exc.value.msg.startswith('links[0] (link/l): reading link/l: ')
    assert exc.value.errno == (13 if where == 'read' else 1)
    assert ('[EACCES]' if where == 'read' else '[EPERM]') in exc.value.msg


def test_an_os_error_applying_names_the_change():
    world = World()
    with pytest.raises(reconcile.ConvergeError) as exc:
        reconcile.converge(world, [Thing('link', 'l', 1, phase=2, fail='oserror')])
    assert exc.value.object == 'link/l'
    assert exc.value.msg == 'set link/l: Device or resource busy [EBUSY]'
    assert exc.value.applied == []


class CountingLock:
    """Re-entrant like RunDirLock; counts the times it is really taken."""

    def __init__(self, log):
        self.log = log
        self.depth = 0

    def __enter__(self):
        if self.depth == 0:
            self.log.append('lock')
        self.depth += 1
        return self

    def __exit__(self, *exc_info):
        self.depth -= 1
        if self.depth == 0:
            self.log.append('unlock')
        return False


class Entry(Thing):
    """A namespace entry: its changes take the lock, as NetnsResource's do."""

    run_dir_lock = True

    def apply(self, world):
        with world.lock:
            Thing.apply(self, world)


@pytest.mark.parametrize('state, expected', [
    # removals: taken once around the whole stage
    ('absent', ['lock', 'apply netns/a', 'apply netns/b', 'apply netns/c', 'unlock']),
    # creations: once per entry, so that other runs get their turns between them
    ('present', ['lock', 'apply netns/a', 'unlock', 'lock', 'apply netns/b', 'unlock', 'lock', 'apply netns/c',
                 'unlock']),
])
def test_a_stage_of_removals_takes_the_lock_once(state, expected):
    world = World(dict(('netns/%s' % name, 1) for name in 'abc') if state == 'absent' else {})
    world.lock = CountingLock(world.log)
    world.run_dir = '/run/netns'
    things = [Entry('netns', name, value=1, state=state) for name in 'abc']
    reconcile.converge(world, things)
    assert [entry for entry in world.log if not entry.startswith('read')] == expected
