# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Names under /run/netns for namespaces that already exist: a container's, a process's, any nsfs file's.

`ip netns attach NAME PID` bind-mounts /proc/PID/ns/net; the seed's `ln -s /proc/PID/ns/net` symlinks it.
Both are offered. An entry is compared with what was asked by namespace identity (st_dev and st_ino of the
nsfs inode), never by path, so a container that restarted (new namespace, maybe the same pid) is re-linked
and an entry that still names the right namespace through another path is left alone.

Private to this collection: may change without notice.
"""

import fnmatch
import os

from ansible_collections.linuxnet.netns.plugins.module_utils import _containers as containers
from ansible_collections.linuxnet.netns.plugins.module_utils import _engines as engines
from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.plugins.module_utils import _link_records as link_records
from ansible_collections.linuxnet.netns.plugins.module_utils import _validate as validate
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import (
    ABSENT, PHASE_NAMESPACE, PRESENT, Change, Plan, Resource,
)

BIND = 'bind'
SYMLINK = 'symlink'
PID_MAX = 4194304  # PID_MAX_LIMIT on 64-bit kernels
HOST_NS = '/proc/1/ns/net'

# The attach module's options. Not in _argspec with the others: its defaults are the container engines'
# settings, and importing those there would put the engine clients into every module's payload.
ATTACH = dict(
    name=dict(type='str'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    pid=dict(type='int'),
    path=dict(type='path'),
    container=dict(type='str'),
    runtime=dict(type='str', default='auto', choices=['auto'] + list(containers.RUNTIMES)),
    method=dict(type='str', default=BIND, choices=[BIND, SYMLINK]),
    allow_host_netns=dict(type='bool', default=False),
    prune=dict(type='bool'),
    prune_pattern=dict(type='str', default='*'),
    **engines.ENGINE_ARGUMENT_SPEC
)

# The AnsibleModule rules that go with ATTACH. prune has no default on purpose: required_one_of
# counts an option as given when it has a value, and a default would always count.
ATTACH_RULES = dict(
    mutually_exclusive=[['pid', 'path', 'container']],
    required_one_of=[['name', 'prune']],
    required_by={'pid': 'name', 'path': 'name', 'container': 'name'},
)

ENGINE_OPTIONS = tuple(engines.ENGINE_ARGUMENT_SPEC)


def host_identity():
    """(st_dev, st_ino) of the host's network namespace: pid 1's.

    Where /proc/1/ns/net cannot be read (some sandboxes deny it even to root), the namespace this module runs
    in stands for it.
    """
    for path in (HOST_NS, kernel.SELF_NS):
        try:
            st = os.stat(path)
        except OSError:
            continue
        return (st.st_dev, st.st_ino)
    return None


class Source:
    """The namespace asked for, open: what to bind-mount (the fd, so a recycled pid cannot swap it) or link to."""

    __slots__ = ('fd', 'identity', 'link_target', 'pid', 'container_id', 'runtime', 'label', 'param', 'value', 'start')

    def __init__(self, fd, link_target, label, param, value, pid=None, container_id=None, runtime=None):
        self.fd = fd
        st = os.fstat(fd)
        self.identity = (st.st_dev, st.st_ino)
        self.link_target = link_target
        self.label = label
        self.param = param
        self.value = value
        self.pid = pid
        self.container_id = container_id
        self.runtime = runtime
        # when the process started: a symlink entry records it, so a later reuse of the pid shows
        self.start = link_records.process_start(pid) if pid else None

    @property
    def inode(self):
        return self.identity[1]

    @property
    def mount_source(self):
        return '/proc/self/fd/%d' % self.fd

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _entry_state(entry):
    """What is at /run/netns/NAME, in the terms the module reports (before/after, return values)."""
    state = {'name': entry.name, 'path': entry.path, 'method': None, 'netns_inode': None}
    if entry.symlink is not None:
        state['symlink'] = entry.symlink
    if entry.kind == kernel.ABSENT:
        state['state'] = ABSENT
    elif entry.kind == kernel.LIVE:
        state.update(state=PRESENT, method=SYMLINK if entry.symlink is not None else BIND, netns_inode=entry.ino)
    else:
        state.update(state=entry.state, problem=entry.describe())
        if entry.kind in kernel.STALE_KINDS and entry.symlink is not None:
            state['method'] = SYMLINK
    return state


def _method_label(method, link_target=None):
    if method == SYMLINK:
        return 'a symlink to %s' % link_target if link_target else 'a symlink'
    return 'a bind mount'


class AttachResource(Resource):
    """/run/netns/NAME naming an existing namespace: a container's, a process's or an nsfs file's."""

    kind = 'attach'
    phase = PHASE_NAMESPACE

    def __init__(self, params):
        self.name = validate.netns_name(params.get('name'), 'name')
        self.state = params.get('state') or PRESENT
        self.method = params.get('method') or BIND
        self.allow_host = bool(params.get('allow_host_netns'))
        self.pid = validate.integer(params.get('pid'), 'pid', minimum=1, maximum=PID_MAX)
        self.path = params.get('path')
        self.container = params.get('container')
        self.runtime = params.get('runtime') or 'auto'
        self.settings = dict((key, params.get(key)) for key in ENGINE_OPTIONS)
        self.source = None
        self.current = None
        if self.path is not None:
            if not isinstance(self.path, str) or not os.path.isabs(self.path) or '\0' in self.path:
                raise ParameterError('path', self.path, 'must be an absolute path of a network namespace file, '
                                     'e.g. /proc/4242/ns/net or a Docker SandboxKey')
        if self.container is not None:
            if not isinstance(self.container, str) or not self.container.strip():
                raise ParameterError('container', self.container, 'must be a container name or id')
            self.container = self.container.strip()
            if self.runtime == 'docker':
                containers.unix_socket_path(self.settings['docker_host'], 'docker_host')
            elif self.runtime == 'containerd':
                containers.unix_socket_path(self.settings['containerd_address'], 'containerd_address')
            elif self.runtime == 'crio':
                containers.unix_socket_path(self.settings['crio_address'], 'crio_address')
        if self.state == PRESENT and self.pid is None and self.path is None and self.container is None:
            raise ParameterError('name', self.name, 'state=present needs one of pid, path or container to say '
                                 'which namespace to attach')

    def key(self):
        return 'attach/%s' % self.name

    def netns_names(self):
        return (self.name,)

    def read(self, session):
        self.current = session.entry(self.name)
        return _entry_state(self.current)

    # -- what the name should point at -----------------------------------------------------------------
    def _open(self):
        """Open the namespace asked for; refuse the host's unless allowed. Read-only."""
        if self.pid is not None:
            link = '/proc/%d/ns/net' % self.pid
            fd = kernel.open_namespace(link, 'pid: process %d' % self.pid)
            source = Source(fd, link, 'process %d' % self.pid, 'pid', self.pid, pid=self.pid)
        elif self.path is not None:
            fd = kernel.open_namespace(self.path, 'path: %s' % self.path)
            match = containers.PROC_NET_RE.match(self.path)
            source = Source(fd, self.path, self.path, 'path', self.path, pid=int(match.group(1)) if match else None)
        else:
            source = self._open_container()
        try:
            self._refuse_host(source)
        except NetnsError:
            source.close()
            raise
        return source

    def _open_container(self):
        target = engines.resolve(self.container, self.runtime, self.settings)
        if target.host_network and not self.allow_host:
            raise NetnsError('container: %s uses the host network, so its namespace is the host\'s; attaching it '
                             'would give the host namespace a name under /run/netns. Set allow_host_netns=true '
                             'to do that anyway' % target.describe(), param='container', value=self.container)
        failures = []
        for path in target.sources():
            try:
                fd = kernel.open_namespace(path, 'the network namespace of %s' % target.describe())
            except NetnsError as exc:
                failures.append(exc.msg)
                continue
            link = '/proc/%d/ns/net' % target.pid if target.pid else path
            source = Source(fd, link, target.describe(), 'container', self.container,
                            pid=target.pid, container_id=target.container_id, runtime=target.runtime)
            if target.via:
                # an appositive: "Docker container 'a' (id), shared by container 'b' (id), as netns x"
                source.label += ', %s,' % ', '.join(target.via)
            return source
        raise NetnsError('container: cannot open the network namespace of %s: %s'
                         % (target.describe(), '; '.join(failures) or 'the runtime gives no pid or namespace path'),
                         param='container', value=self.container)

    def _refuse_host(self, source):
        if self.allow_host or source.identity != host_identity():
            return
        raise NetnsError('%s: %s is in the host network namespace (netns inode %d); attaching it would give the host '
                         'namespace a name under /run/netns. Set allow_host_netns=true to do that anyway'
                         % (source.param, source.label, source.inode), param=source.param, value=source.value)

    # -- plan ----------------------------------------------------------------------------------------------
    def plan(self, session, before):
        if before['state'] == 'invalid':
            if self.state == PRESENT:
                raise NetnsError('name: %s is %s; refusing to replace it (remove it yourself if it is not needed)'
                                 % (before['path'], before['problem']), param='name', value=self.name)
            if 'symlink' not in before:
                raise NetnsError('name: %s is %s; refusing to delete it' % (before['path'], before['problem']),
                                 param='name', value=self.name)
            # a symlink to something that is not a namespace: the link goes, its target stays
        if self.state == ABSENT:
            return self._plan_absent(before)
        return self._plan_present(before)

    def _plan_absent(self, before):
        after = {'name': self.name, 'path': before['path'], 'state': ABSENT, 'method': None, 'netns_inode': None}
        changes = []
        if before['state'] == PRESENT:
            what = '%s of netns inode %d' % (_method_label(before['method'], before.get('symlink')),
                                             before['netns_inode'])
            changes.append(Change('delete netns entry %s (%s)' % (self.name, what), self._delete))
        elif before['state'] != ABSENT:
            changes.append(Change('delete netns entry %s (%s)' % (self.name, before['problem']), self._delete))
        return Plan(self, before, after, changes)

    def _delete(self, session):
        with session.lock:
            session.forget(self.name)
            kernel.delete_entry(self.name, session.run_dir)

    def _plan_present(self, before):
        self.source = self._open()
        source = self.source
        after = {'name': self.name, 'path': before['path'], 'state': PRESENT, 'method': self.method,
                 'netns_inode': source.inode}
        if self.method == SYMLINK:
            after['symlink'] = source.link_target
        how = 'by %s' % _method_label(self.method, source.link_target if self.method == SYMLINK else None)
        current = before['state']
        if current == PRESENT:
            same = self.current.identity == source.identity
            if same and before['method'] == self.method:
                # identity decides, not the path: a symlink to another process of the same namespace is fine
                return Plan(self, before, dict(before))
            if same:
                text = 'convert netns %s from %s to %s (netns inode %d of %s)' % (
                    self.name, _method_label(before['method'], before.get('symlink')),
                    _method_label(self.method, after.get('symlink')), source.inode, source.label)
            else:
                text = 're-link netns %s from netns inode %d to netns inode %d of %s %s' % (
                    self.name, before['netns_inode'], source.inode, source.label, how)
        elif current == 'stale':
            text = 'replace the stale entry %s (%s) with netns inode %d of %s %s' % (
                before['path'], before['problem'], source.inode, source.label, how)
        else:
            text = 'attach netns inode %d of %s as netns %s %s' % (source.inode, source.label, self.name, how)
        return Plan(self, before, after, [Change(text, self._link)])

    def _link(self, session):
        source = self.source
        with session.lock:
            session.forget(self.name)
            # whatever is there (a stale entry, another namespace, the other method) goes first;
            # delete_entry unlinks a symlink, never its target
            kernel.delete_entry(self.name, session.run_dir)
            if self.method == BIND:
                kernel.create_namespace(self.name, session.run_dir, source=source.mount_source)
            else:
                kernel.symlink_namespace(self.name, source.link_target, session.run_dir, start=source.start)
            entry = kernel.inspect_entry(self.name, session.run_dir)
            if entry.identity != source.identity:
                # the pid was recycled between planning and linking: do not leave a wrong name behind
                kernel.delete_entry(self.name, session.run_dir)
                raise NetnsError('%s: the namespace of %s changed while it was being attached (netns inode %d '
                                 'planned, %s found); run again'
                                 % (source.param, source.label, source.inode, entry.ino),
                                 param=source.param, value=source.value)

    def simulate(self, session, plan):
        if self.state == PRESENT and plan.changed:
            session.virtual.add(self.name)
        elif self.state == ABSENT:
            session.virtual.discard(self.name)

    def result(self, session, plan, applied):
        state = dict(super(AttachResource, self).result(session, plan, applied))
        state.pop('problem', None)
        source = self.source
        state.update(pid=None, container_id=None, runtime=None)
        if source is not None:
            state.update(pid=source.pid, container_id=source.container_id, runtime=source.runtime)
            source.close()
            self.source = None
        return state


class PruneResource(Resource):
    """Stale entries under /run/netns: symlinks whose target is gone, empty files with nothing mounted.

    A bind mount is never stale (it keeps its namespace alive), and anything that is not a namespace entry
    (a file with content, a directory, a symlink to something else) is not ours to remove.
    """

    kind = 'attach_prune'
    phase = PHASE_NAMESPACE
    state = PRESENT  # runs with the creations, after any removal of this run

    def __init__(self, pattern='*', exclude=None):
        if not isinstance(pattern, str) or pattern == '' or '/' in pattern:
            raise ParameterError('prune_pattern', pattern, 'must be a shell pattern matched against names under '
                                 '/run/netns, e.g. "*" or "k8s-*" (no "/")')
        self.pattern = pattern
        self.exclude = exclude

    def key(self):
        return 'attach_prune/%s' % self.pattern

    def _stale(self, run_dir):
        return [entry for entry in kernel.list_entries(run_dir)
                if entry.kind in kernel.STALE_KINDS and entry.name != self.exclude
                and fnmatch.fnmatchcase(entry.name, self.pattern)]

    def read(self, session):
        return {'stale_entries': dict((entry.name, entry.describe()) for entry in self._stale(session.run_dir))}

    def plan(self, session, before):
        changes = []
        for name in sorted(before['stale_entries']):
            changes.append(Change('prune the stale entry %s (%s)' % (kernel.entry_path(name, session.run_dir),
                                                                     before['stale_entries'][name]),
                                  self._pruner(name)))
        return Plan(self, before, {'stale_entries': {}}, changes)

    def _pruner(self, name):
        def prune(session):
            with session.lock:
                # looked at again under the lock: it may have been completed or replaced since
                if kernel.inspect_entry(name, session.run_dir).kind in kernel.STALE_KINDS:
                    session.forget(name)
                    kernel.delete_entry(name, session.run_dir)
        return prune

    def result(self, session, plan, applied):
        return {'pruned': sorted(plan.before['stale_entries'])}


def build(items):
    """The resources of one attach module call ([('', params)]): the name, and/or the prune."""
    resources = []
    for _prefix, params in items:
        resources.extend(_resources(params))
    return resources


def _resources(params):
    resources = []
    name = params.get('name')
    if name is None and not params.get('prune'):
        raise ParameterError('name', name, 'is required unless prune=true is given')
    if name is not None:
        resources.append(AttachResource(params))
    if params.get('prune'):
        resources.append(PruneResource(params.get('prune_pattern') or '*', exclude=name))
    return resources
