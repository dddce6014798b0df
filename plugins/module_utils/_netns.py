# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Named network namespaces (`ip netns add/del/set`), their net.* sysctls and /etc/netns files.

Private to this collection: may change without notice.
"""

import errno
import os
import shutil
import stat

from ansible_collections.linuxnet.netns.plugins.module_utils import _files as files
from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.plugins.module_utils import _nl as nl
from ansible_collections.linuxnet.netns.plugins.module_utils import _validate as validate
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import (
    ABSENT, PHASE_NAMESPACE, PHASE_NAMESPACE_CONFIG, PRESENT, Change, Plan, Resource, labelled,
)
from ansible_collections.linuxnet.netns.plugins.module_utils._session import label

NSID_MAX = 2 ** 31 - 1


class NetnsResource(Resource):
    """A name under /run/netns that holds a network namespace."""

    kind = 'netns'
    section = 'namespaces'
    phase = PHASE_NAMESPACE
    run_dir_lock = True

    def __init__(self, name, state=PRESENT, nsid=None, param_prefix=''):
        self.name = validate.netns_name(name, param_prefix + 'name')
        self.state = state
        self.nsid = validate.integer(nsid, param_prefix + 'nsid', minimum=0, maximum=NSID_MAX)
        self.param_prefix = param_prefix

    def key(self):
        return 'netns/%s' % self.name

    def netns_names(self):
        return (self.name,)

    def netns_refs(self):
        return []

    def removal_item(self):
        return {'name': self.name}

    def defines_namespace(self):
        return self.name

    def removes_namespace(self, session):
        return self.name if self.state == ABSENT and session.exists(self.name) else None

    def read(self, session):
        entry = session.entry(self.name)
        state = {'name': self.name, 'path': entry.path}
        if entry.kind == kernel.ABSENT:
            state.update(state=ABSENT, nsid=None)
        elif entry.kind == kernel.LIVE:
            if self.state == ABSENT and entry.symlink is None:
                session.hold(self.name)
            brief = self.state == ABSENT and getattr(session, 'brief', False)
            state.update(state=PRESENT, nsid=None if brief else session.nsid(self.name))
            if entry.symlink is not None:
                state['symlink'] = entry.symlink
        else:
            state.update(state=entry.state, nsid=None, problem=entry.describe())
            if entry.symlink is not None:
                state['symlink'] = entry.symlink
        if session.is_virtual(self.name):
            state.update(state=PRESENT, nsid=self.nsid)
        return state

    def plan(self, session, before):
        if self.state == ABSENT:
            return self._plan_absent(session, before)
        return self._plan_present(session, before)

    def _plan_present(self, session, before):
        after = dict(before, state=PRESENT)
        after.pop('problem', None)
        changes = []
        current = before['state']
        if current == 'invalid':
            raise NetnsError('%s is %s; refusing to replace it (remove it yourself if it is not needed)'
                             % (before['path'], before['problem']), param=self.param_prefix + 'name', value=self.name)
        if current == 'stale' and 'symlink' in before:
            raise NetnsError('%s is %s (a stale link, e.g. from linuxnet.netns.attach with method=symlink); '
                             'remove it with state=absent or attach prune before creating a namespace there'
                             % (before['path'], before['problem']), param=self.param_prefix + 'name', value=self.name)
        if self.nsid is not None and before['nsid'] != self.nsid:
            if before['nsid'] is not None and current == PRESENT:
                raise NetnsError('%snsid: netns %s already has nsid %d and the kernel does not allow changing an '
                                 'assigned nsid; delete and re-create the namespace to get nsid %d'
                                 % (self.param_prefix, self.name, before['nsid'], self.nsid),
                                 param=self.param_prefix + 'nsid', value=self.nsid)
            owner = self._nsid_owner(session, self.nsid)
            if owner is not None:
                raise NetnsError('%snsid: nsid %d is already used by %s' % (self.param_prefix, self.nsid, owner),
                                 param=self.param_prefix + 'nsid', value=self.nsid)
        if current != PRESENT:
            text = 'create netns %s' % self.name
            if current == 'stale':
                text = 'create netns %s on the stale entry %s' % (self.name, before['path'])
            if self.nsid is not None:
                text += ' with nsid %d' % self.nsid
            changes.append(Change(text, self._create))
            after['nsid'] = self.nsid
        elif self.nsid is not None and before['nsid'] != self.nsid:
            changes.append(Change('set nsid %d on netns %s' % (self.nsid, self.name), self._set_nsid))
            after['nsid'] = self.nsid
        return Plan(self, before, after, changes)

    def _nsid_owner(self, session, nsid):
        """Which other name under /run/netns already has this nsid, if any."""
        for entry in kernel.list_entries(session.run_dir):
            if entry.name == self.name or entry.kind != kernel.LIVE:
                continue
            try:
                if session.nsid(entry.name) == nsid:
                    return 'netns %s' % entry.name
            except NetnsError:
                continue
        return None

    def _create(self, session):
        with session.lock:
            session.forget(self.name)
            if session.entry(self.name).kind == kernel.LIVE:
                # another run created it since we looked: the goal is reached, only the nsid may be left
                if self.nsid is not None and session.nsid(self.name) != self.nsid:
                    self._set_nsid(session)
                return
            kernel.create_namespace(self.name, session.run_dir)
            if self.nsid is not None:
                try:
                    self._set_nsid(session)
                except NetnsError:
                    # nothing half-made: without its nsid the namespace is not what was asked for
                    session.forget(self.name)
                    kernel.delete_entry(self.name, session.run_dir)
                    raise

    def _set_nsid(self, session):
        nl.call('setting nsid %d on netns %s' % (self.nsid, self.name),
                session.socket(None).set_nsid, self.nsid, session.fd(self.name))

    def _plan_absent(self, session, before):
        after = {'name': self.name, 'path': before['path'], 'state': ABSENT, 'nsid': None}
        changes = []
        notes = []
        if before['state'] == 'invalid' and 'symlink' not in before:
            raise NetnsError('%s is %s; refusing to delete it' % (before['path'], before['problem']),
                             param=self.param_prefix + 'name', value=self.name)
        if before['state'] != ABSENT:
            pids = session.pids(self.name) if before['state'] == PRESENT else []
            before['pids'] = pids
            if pids:
                notes.append('processes still in netns %s: %s' % (self.name, ', '.join(str(p) for p in pids)))
            etc_dir = os.path.join(kernel.ETC_DIR, self.name)
            if os.path.isdir(etc_dir) and not os.path.islink(etc_dir):
                changes.append(Change('remove %s' % etc_dir, lambda s: _remove_etc_dir(etc_dir)))
            changes.append(Change('delete netns %s' % self.name, self._delete))
        return Plan(self, before, after, changes, notes)

    def _delete(self, session):
        with session.lock:
            held = session.held_identity(self.name)
            session.forget(self.name, hold=True)
            kernel.delete_entry(self.name, session.run_dir, held)

    def simulate(self, session, plan):
        if self.state == PRESENT and plan.changed and plan.before['state'] != PRESENT:
            session.virtual.add(self.name)
        if self.state == ABSENT:
            session.virtual.discard(self.name)

    def result(self, session, plan, applied):
        state = super(NetnsResource, self).result(session, plan, applied)
        state = dict(state)
        if self.state == ABSENT:
            state['pids'] = plan.before.get('pids', [])
        else:
            state['pids'] = session.pids(self.name)
        state.pop('problem', None)
        return state


def _remove_etc_dir(path):
    # rmtree never follows symlinks inside the tree; the directory itself was checked not to be one.
    # What a concurrent run removed first is gone already: that is the goal.
    def gone_already(_function, _path, exc_info):
        if not (isinstance(exc_info[1], OSError) and exc_info[1].errno == errno.ENOENT):
            raise exc_info[1]
    shutil.rmtree(path, onerror=gone_already)


class SysctlResource(Resource):
    """net.* sysctls of one namespace, written through /proc/sys while inside it."""

    kind = 'sysctls'
    section = 'sysctls'
    phase = PHASE_NAMESPACE_CONFIG
    whole = False

    def __init__(self, netns, sysctls, param='sysctls'):
        self.netns = netns
        self.param = param
        if not isinstance(sysctls, dict):
            raise ParameterError(param, sysctls, 'must be a dictionary of sysctl keys to values, '
                                 'e.g. {net.ipv4.ip_forward: 1}')
        self.values = {}
        for key, value in sysctls.items():
            path = validate.sysctl_key(key, '%s.%s' % (param, key))
            if not _device_specific(path) and not os.path.exists(os.path.join('/proc/sys', path)):
                # refused before anything changes; a per-device key may appear only once its device exists
                raise ParameterError('%s.%s' % (param, key), key, 'no such sysctl in this kernel')
            self.values[path.replace('/', '.')] = (path, validate.sysctl_value(value, '%s.%s' % (param, key)))

    def key(self):
        return 'sysctls/%s' % (self.netns or '')

    def netns_names(self):
        return (self.netns,)

    def read(self, session):
        current = {}
        if session.is_virtual(self.netns):
            where = session.inside_new()  # the values the namespace will start with
        else:
            session.require(self.netns)
            where = session.inside(self.netns)
        with where:
            for name in sorted(self.values):
                path = self.values[name][0]
                try:
                    with open(os.path.join('/proc/sys', path)) as handle:
                        current[name] = ' '.join(handle.read().split())
                except OSError as exc:
                    if exc.errno == errno.ENOENT:
                        raise ParameterError('%s.%s' % (self.param, name), name,
                                             'no such sysctl in %s' % label(self.netns))
                    raise NetnsError('%s.%s: cannot read it in %s: %s' % (self.param, name, label(self.netns), exc))
        return {'sysctls': current}

    def plan(self, session, before):
        current = before['sysctls']
        after = {}
        changes = []
        for name in sorted(self.values):
            path, value = self.values[name]
            after[name] = value
            if current.get(name) != value:
                changes.append(Change('set %s = %s in %s' % (name, value, label(self.netns)),
                                      self._writer(path, value)))
        return Plan(self, {'sysctls': current}, {'sysctls': after}, changes)

    def _writer(self, path, value):
        def write(session):
            with session.inside(self.netns):
                try:
                    with open(os.path.join('/proc/sys', path), 'w') as handle:
                        handle.write(value)
                except OSError as exc:
                    raise NetnsError('%s: cannot set %s to %r in %s: %s'
                                     % (self.param, path.replace('/', '.'), value, label(self.netns), exc))
        return write


def _device_specific(path):
    """net/ipv4/conf/eth0/... and net/ipv6/neigh/eth0/... exist only where that device does."""
    parts = path.split('/')
    return len(parts) > 3 and parts[2] in ('conf', 'neigh') and parts[3] not in ('all', 'default')


class EtcFilesResource(Resource):
    """Files under /etc/netns/NAME/, which `ip netns exec` bind-mounts over their /etc counterparts.

    A file whose content is null is removed; with state absent every listed file is.
    """

    kind = 'etc_files'
    section = 'etc_files'
    phase = PHASE_NAMESPACE_CONFIG
    whole = False

    def __init__(self, netns, contents, param='etc_files', etc_dir=kernel.ETC_DIR, state=PRESENT):
        self.netns = netns
        self.param = param
        self.state = state
        self.directory = os.path.join(etc_dir, netns)
        if not isinstance(contents, dict):
            raise ParameterError(param, contents, 'must be a dictionary of file names to contents '
                                 '(null removes a file), e.g. {resolv.conf: "nameserver 198.18.0.1\\n"}')
        self.files = {}
        for name, content in contents.items():
            name = validate.etc_file_name(name, '%s.%s' % (param, name))
            if content is not None and not isinstance(content, str):
                raise ParameterError('%s.%s' % (param, name), content, 'file content must be a string or null')
            self.files[name] = None if state == ABSENT else content

    def key(self):
        return 'etc_files/%s' % self.netns

    def netns_names(self):
        return (self.netns,)

    def owned(self, plan):
        # each file this run writes where there was none
        for name, content in sorted(self.files.items()):
            if content is not None and plan.changed and plan.before['etc_files'].get(name) is None:
                yield '%s/%s' % (self.key(), name), self.section, {'netns': self.netns, 'etc_files': {name: None}}

    def ownership_keys(self):
        return set('%s/%s' % (self.key(), name) for name in self.files)

    def described_keys(self):
        # a file listed with state absent is described as gone
        return set('%s/%s' % (self.key(), name) for name, content in self.files.items() if content is not None)

    def read(self, session):
        current = {}
        for name in sorted(self.files):
            path = os.path.join(self.directory, name)
            try:
                lst = os.lstat(path)
            except OSError as exc:
                if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                    current[name] = None
                    continue
                raise
            if not stat.S_ISREG(lst.st_mode):
                raise NetnsError('%s.%s: %s is not a regular file; refusing to follow or replace it'
                                 % (self.param, name, path), param=self.param, value=name)
            with open(path) as handle:
                current[name] = handle.read()
        return {'etc_files': current}

    def plan(self, session, before):
        if os.path.islink(self.directory):
            raise NetnsError('%s: %s is a symlink; refusing to write through it' % (self.param, self.directory),
                             param=self.param, value=self.directory)
        current = before['etc_files']
        changes = []
        for name in sorted(self.files):
            want = self.files[name]
            if current.get(name) == want:
                continue
            path = os.path.join(self.directory, name)
            if want is None:
                changes.append(Change('remove %s' % path, self._remover(path)))
            else:
                changes.append(Change('write %s' % path, self._writer(path, want)))
        return Plan(self, {'etc_files': current}, {'etc_files': dict(self.files)}, changes)

    def _writer(self, path, content):
        def write(session):
            # write-then-rename: a reader never sees half a resolv.conf
            files.write_atomic(path, content, what=self.param)
        return write

    def _remover(self, path):
        def remove(session):
            files.remove_file(path, self.param)
        return remove


def build_namespaces(items):
    """The resources of netns items (a netns module call, the namespaces of a topology): the namespace, and
    its sysctls and /etc/netns files when it is wanted present. items: [(label prefix, validated parameters)]."""
    resources = []
    for prefix, params in items:
        namespace = NetnsResource(params['name'], params['state'], params.get('nsid'), param_prefix=prefix)
        resources.append(labelled(namespace, prefix))
        if params['state'] == PRESENT:
            if params.get('sysctls') is not None:
                resources.append(labelled(SysctlResource(namespace.name, params['sysctls'], param=prefix + 'sysctls'),
                                          prefix))
            if params.get('etc_files') is not None:
                resources.append(labelled(EtcFilesResource(namespace.name, params['etc_files'],
                                                           param=prefix + 'etc_files'), prefix))
    return resources


def build_sysctls(items):
    """The sysctls items of a topology (namespaces it does not manage, the host's). Removing a topology leaves
    sysctls as they are: there is no value to go back to."""
    return [labelled(SysctlResource(validate.optional_netns_name(params.get('netns'), prefix + 'netns'),
                                    params['sysctls'], param=prefix + 'sysctls'), prefix)
            for prefix, params in items if params.get('state', PRESENT) == PRESENT]


def build_etc_files(items):
    """The etc_files items of a topology; state absent removes the listed files."""
    return [labelled(EtcFilesResource(validate.netns_name(params.get('netns'), prefix + 'netns'), params['etc_files'],
                                      param=prefix + 'etc_files', state=params.get('state', PRESENT)), prefix)
            for prefix, params in items]
