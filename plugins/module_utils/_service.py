# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Systemd units run inside a named network namespace: one drop-in per unit, and systemd told about it.

The drop-in UNIT.d/linuxnet-netns.conf sets NetworkNamespacePath=/run/netns/NAME (systemd 242 and newer),
orders the unit after what creates the namespace at boot (the topology role's linuxnet-netns-TOPOLOGY.service,
or any unit named in `requires`) and binds the files of /etc/netns/NAME/ over their /etc counterparts,
read-only: `ip netns exec` does that, systemd does not (a unit that only joins the namespace reads the host's
/etc/resolv.conf, systemd issue #28694). The drop-in is a file like the others this collection writes (atomic,
compared by content); systemd reloads and restarts only when something changed, and only where systemd runs
and reads unit_dir, so an image or a chroot gets the file for its next boot and nothing else.

Not a topology section: a unit's binding is no kernel object, and the boot applier has nothing to re-create
(systemd reads the drop-in at boot by itself).

Private to this collection: may change without notice.
"""

import errno
import os
import re
import stat

from ansible_collections.linuxnet.netns.plugins.module_utils import _files as files
from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.plugins.module_utils import _validate as validate
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError
from ansible_collections.linuxnet.netns.plugins.module_utils._process import run_command
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import (
    ABSENT, PRESENT, Change, ConvergeError, Plan, Resource, converge,
)

DROPIN_NAME = 'linuxnet-netns.conf'
UNIT_DIR = '/etc/systemd/system'
SYSTEMD_RUNNING = '/run/systemd/system'  # what sd_booted() looks at
MIN_SYSTEMD = 242  # NetworkNamespacePath=
TOPOLOGY_UNIT = 'linuxnet-netns-%s.service'  # the topology role's boot unit (roles/topology/vars/main.yml)
RESTART_TIMEOUT = 180  # systemd's default start timeout is 90 s, a stop may take as long again

# the unit types whose processes can be put into a namespace, and the section of their exec settings
EXEC_SECTIONS = {'service': 'Service', 'socket': 'Socket'}
UNIT_TYPES = ('service', 'socket', 'target', 'device', 'mount', 'automount', 'swap', 'timer', 'path', 'slice',
              'scope')
UNIT_NAME_MAX = 255
UNIT_NAME_RE = re.compile(r'^[A-Za-z0-9:_.\\@-]+$')
TOPOLOGY_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$')
# what a unit file carries verbatim in a path: no specifier (%), no list separator (space), no src:dst colon,
# no quoting or escaping
UNIT_SAFE_RE = re.compile(r'^[A-Za-z0-9_.@+-]+$')
ACTIVE_STATES = ('active', 'activating', 'reloading')


# -- validation (pure) ------------------------------------------------------------------------------------------
def unit_name(value, param='unit', exec_only=True):
    """A unit name as systemd spells it. exec_only: a type that runs processes (service, socket)."""
    if not isinstance(value, str) or value.strip() == '':
        raise ParameterError(param, value, 'must be a unit name such as web.service')
    if '/' in value:
        suggestion = os.path.basename(value.rstrip('/'))
        where = ' (the drop-in goes to unit_dir/NAME.d/)' if exec_only else ''
        raise ParameterError(param, value, 'must be a unit name, not a path%s; did you mean %r?' % (where, suggestion))
    if len(value) > UNIT_NAME_MAX or not UNIT_NAME_RE.match(value):
        raise ParameterError(param, value, 'a unit name has at most %d letters, digits and ":_.\\@-"' % UNIT_NAME_MAX)
    prefix, dot, suffix = value.rpartition('.')
    if not dot or not prefix or suffix not in UNIT_TYPES:
        raise ParameterError(param, value, 'must end in a unit type such as .service; did you mean %r?'
                             % (value + '.service'))
    if exec_only and suffix not in EXEC_SECTIONS:
        raise ParameterError(param, value, 'a .%s unit runs no process of its own to put into a namespace: name '
                             'the .service (or .socket) it starts' % suffix)
    if prefix.endswith('@'):
        raise ParameterError(param, value, 'is a template; name an instance (e.g. %s%s.%s)'
                             % (prefix, 'NAME', suffix))
    return value


def unit_netns(value, param='netns'):
    """A namespace name that a unit file can carry as it is (NetworkNamespacePath=, BindReadOnlyPaths=)."""
    name = validate.netns_name(value, param)
    if not UNIT_SAFE_RE.match(name):
        raise ParameterError(param, value, 'a namespace bound into a unit must have a name of letters, digits '
                             'and "_.@+-" (a unit file gives spaces, "%", ":" and quotes a meaning of their own)')
    return name


def topology_name(value, param='after_topology'):
    if value is None:
        return None
    if not isinstance(value, str) or not TOPOLOGY_NAME_RE.match(value):
        raise ParameterError(param, value, 'must be the name of a topology (netns_name of the topology role): 1 to '
                             '64 letters, digits, ".", "_" or "-", starting with a letter or digit')
    return value


def unit_dir_path(value, param='unit_dir'):
    if not isinstance(value, str) or not os.path.isabs(value) or '\0' in value:
        raise ParameterError(param, value, 'must be an absolute directory path, e.g. /etc/systemd/system')
    return os.path.normpath(value)


# -- the drop-in (pure) -----------------------------------------------------------------------------------------
def render(unit, netns, binds=(), requires=()):
    """The drop-in that runs unit inside netns. binds: names of /etc/netns/NETNS entries to bind over /etc;
    requires: units that make the namespace (ordered before it, and required by it)."""
    section = EXEC_SECTIONS[unit.rpartition('.')[2]]
    lines = [
        '# Written by linuxnet.netns.service_netns: runs %s inside the network namespace %s.' % (unit, netns),
        '# Replaced on every run that changes it; removed with state=absent.',
    ]
    if requires:
        lines += [
            '[Unit]',
            '# the namespace exists before the unit starts (at boot too), and the unit stops with what made it',
            'After=%s' % ' '.join(requires),
            'Requires=%s' % ' '.join(requires),
            '',
        ]
    lines += [
        '[%s]' % section,
        'NetworkNamespacePath=%s' % kernel.entry_path(netns),
    ]
    if binds:
        lines.append('# as `ip netns exec %s` does, and systemd does not: the namespace\'s own files over /etc' % netns)
        lines.extend('BindReadOnlyPaths=%s:%s' % (os.path.join(kernel.ETC_DIR, netns, name), os.path.join('/etc', name))
                     for name in binds)
    return '\n'.join(lines) + '\n'


def etc_binds(netns, etc_dir=None, host_etc='/etc'):
    """(binds, notes): the entries of /etc/netns/NETNS that `ip netns exec` would bind over /etc, and why others
    are left out. Only entries whose /etc counterpart exists: systemd would otherwise create an empty file in
    the host's /etc to mount onto, where `ip netns exec` skips it."""
    directory = os.path.join(etc_dir or kernel.ETC_DIR, netns)
    binds, notes = [], []
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return binds, notes
        raise
    for name in names:
        source = os.path.join(directory, name)
        target = os.path.join(host_etc, name)
        mode = os.lstat(source).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            notes.append('%s is neither a file nor a directory: not bound' % source)
        elif not UNIT_SAFE_RE.match(name):
            notes.append('%s has a name a unit file cannot carry as it is (letters, digits and "_.@+-"): '
                         'not bound' % source)
        elif not os.path.lexists(target):
            notes.append('%s has no counterpart %s to bind over (ip netns exec skips it too): not bound'
                         % (source, target))
        else:
            if os.path.islink(target):
                notes.append('%s is a symlink to %s: the unit gets %s mounted on that file, and a program that '
                             'replaces it by renaming a new one over it (systemd-resolved, resolvconf) detaches the '
                             'mount inside the unit until it restarts' % (target, os.readlink(target), source))
            binds.append(name)
    return binds, notes


# -- systemd ------------------------------------------------------------------------------------------------------
def _version_number(text):
    match = re.match(r'^\D*(\d+)', text or '')
    return int(match.group(1)) if match else None


class Systemd:
    """What this host's systemd is and knows. Offline (not running, or not reading unit_dir) it is asked nothing
    but its version, and nothing is reloaded or restarted."""

    def __init__(self, unit_dir, run=run_command, running=None):
        self.run = run
        self.unit_dir = unit_dir
        self.running = os.path.isdir(SYSTEMD_RUNNING) if running is None else running
        self.version = None
        self.reads_unit_dir = False
        if self.running:
            manager = self._show(None, ('Version', 'UnitPath'))
            self.version = _version_number(manager.get('Version'))
            paths = [os.path.normpath(path) for path in manager.get('UnitPath', '').split()]
            self.reads_unit_dir = unit_dir in paths
        else:
            self.version = self._installed_version()

    @property
    def online(self):
        return self.running and self.reads_unit_dir

    def _installed_version(self):
        try:
            rc, out, _err = self.run(['systemctl', '--version'])
        except OSError:
            return None  # no systemd here: files for a system that boots it later
        return _version_number(out) if rc == 0 else None

    def _systemctl(self, args, what, timeout=None):
        argv = ['systemctl'] + list(args)
        try:
            rc, out, err = self.run(argv, timeout=timeout) if timeout else self.run(argv)
        except OSError as exc:
            raise NetnsError('%s: cannot run systemctl: %s' % (what, exc.strerror or exc), errno=exc.errno)
        if rc != 0:
            raise NetnsError('%s: %s failed (exit %d): %s' % (what, ' '.join(argv), rc, (err or out).strip()))
        return out

    def _show(self, unit, properties):
        args = ['show', '--property=%s' % ','.join(properties)]
        if unit is not None:
            args += ['--', unit]
        out = self._systemctl(args, 'asking systemd about %s' % (unit or 'itself'))
        values = {}
        for line in out.splitlines():
            key, _sep, value = line.partition('=')
            values[key] = value
        return values

    def unit(self, unit):
        """LoadState, ActiveState and MainPID of a unit, or None offline."""
        if not self.online:
            return None
        values = self._show(unit, ('LoadState', 'ActiveState', 'MainPID'))
        try:
            main_pid = int(values.get('MainPID') or 0)
        except ValueError:
            main_pid = 0
        return {'load_state': values.get('LoadState'), 'active_state': values.get('ActiveState'),
                'main_pid': main_pid}

    def daemon_reload(self):
        self._systemctl(['daemon-reload'], 'reloading systemd')

    def restart(self, unit):
        self._systemctl(['restart', '--', unit], 'restarting %s' % unit, timeout=RESTART_TIMEOUT)


def process_netns(pid):
    """(st_dev, st_ino) of a process's network namespace, or None if it cannot be read (gone, not allowed)."""
    if not pid:
        return None
    try:
        st = os.stat('/proc/%d/ns/net' % pid)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


class Host:
    """What converge() needs of a session, for objects that are files and systemd units, not kernel objects."""

    def __init__(self, check_mode, systemd):
        self.check_mode = check_mode
        self.systemd = systemd


# -- the resource -------------------------------------------------------------------------------------------------
class ServiceNetnsResource(Resource):
    """The drop-in that runs one systemd unit inside a namespace, and what systemd makes of it."""

    kind = 'service_netns'

    def __init__(self, params):
        self.unit = unit_name(params.get('unit'), 'unit')
        self.state = params.get('state') or PRESENT
        self.unit_dir = unit_dir_path(params.get('unit_dir') or UNIT_DIR)
        self.bind_etc = params.get('bind_etc', True) is not False
        self.restart = params.get('restart', True) is not False
        self.topology = topology_name(params.get('after_topology'))
        self.requires = []
        if self.topology is not None:
            self.requires.append(TOPOLOGY_UNIT % self.topology)
        for index, name in enumerate(params.get('requires') or []):
            name = unit_name(name, 'requires[%d]' % index, exec_only=False)
            if name == self.unit:
                raise ParameterError('requires[%d]' % index, name, 'a unit cannot require itself')
            if name not in self.requires:
                self.requires.append(name)
        netns = params.get('netns')
        if self.state == PRESENT and netns is None:
            raise ParameterError('netns', netns, 'is required with state=present: the namespace to run the unit in')
        self.netns = unit_netns(netns) if netns is not None else None
        self.dropin_dir = os.path.join(self.unit_dir, self.unit + '.d')
        self.path = os.path.join(self.dropin_dir, DROPIN_NAME)
        self.notes = []

    def key(self):
        return 'service_netns/%s' % self.unit

    # -- read ---------------------------------------------------------------------------------------------------
    def _current_content(self):
        for path, what in ((self.dropin_dir, 'directory'), (self.path, 'file')):
            try:
                mode = os.lstat(path).st_mode
            except OSError as exc:
                if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                    return None
                raise
            if stat.S_ISLNK(mode) or not (stat.S_ISDIR(mode) if what == 'directory' else stat.S_ISREG(mode)):
                raise NetnsError('unit: %s is not a plain %s; refusing to write through it or replace it'
                                 % (path, what), param='unit', value=self.unit)
        return files.read_text(self.path)

    def read(self, session):
        systemd = session.systemd
        if self.state == PRESENT and systemd.version is not None and systemd.version < MIN_SYSTEMD:
            raise NetnsError('systemd %d is too old: NetworkNamespacePath= needs systemd %d or newer; run the unit '
                             'with `ip netns exec %s` in its ExecStart= instead'
                             % (systemd.version, MIN_SYSTEMD, self.netns))
        unit = systemd.unit(self.unit)
        if self.state == PRESENT:
            self._check_units(session, unit)
        content = self._current_content()
        state = {'unit': self.unit, 'path': self.path, 'state': PRESENT if content is not None else ABSENT,
                 'content': content}
        if unit is not None:
            state.update(active_state=unit['active_state'], main_pid=unit['main_pid'])
        return state

    def _check_units(self, session, unit):
        """What the drop-in names must exist, or the unit could not start (systemd refuses a unit whose Requires=
        names no unit). In check mode a missing unit is a note: an earlier task of the same run (writing the
        unit file, persisting the topology) may be about to make it."""
        systemd = session.systemd
        problems = []
        if unit is not None and unit['load_state'] == 'not-found':
            problems.append(ParameterError('unit', self.unit, 'no such unit: systemd knows no %s (install its unit '
                                           'file first)' % self.unit))
        for index, name in enumerate(self.requires):
            if os.path.exists(os.path.join(self.unit_dir, name)):
                continue
            if systemd.online and systemd.unit(name)['load_state'] != 'not-found':
                continue
            if index == 0 and self.topology is not None:
                problems.append(ParameterError('after_topology', self.topology, 'no unit %s in %s: persist that '
                                               'topology first (the topology role with netns_persist: true and '
                                               'netns_name: %s)' % (name, self.unit_dir, self.topology)))
            elif systemd.online:
                problems.append(ParameterError('requires', name, 'no such unit: systemd knows no %s' % name))
        if problems and not session.check_mode:
            raise problems[0]
        self.notes.extend('%s; a real run fails unless it is there by then' % problem.msg for problem in problems)

    # -- plan ---------------------------------------------------------------------------------------------------
    def plan(self, session, before):
        systemd = session.systemd
        binds = []
        if self.state == PRESENT:
            if self.bind_etc:
                binds, notes = etc_binds(self.netns)
                self.notes.extend(notes)
            want = render(self.unit, self.netns, binds, self.requires)
        else:
            want = None
        after = dict(before, state=PRESENT if want is not None else ABSENT, content=want)
        after['etc_binds'] = binds
        changes = []
        written = before['content'] != want
        if written and want is not None:
            changes.append(Change('write %s' % self.path, self._write(want)))
        elif written:
            changes.append(Change('remove %s' % self.path, self._remove))
        if written and systemd.online:
            changes.append(Change('reload systemd (daemon-reload)', lambda s: s.systemd.daemon_reload()))
        reason = self._restart_reason(session, before, written)
        if reason:
            changes.append(Change('restart %s (%s)' % (self.unit, reason), lambda s: s.systemd.restart(self.unit)))
        elif written and not self.restart and before.get('active_state') in ACTIVE_STATES:
            self.notes.append('%s is running and restart=false: the change takes effect when it next starts'
                              % self.unit)
        return Plan(self, before, after, changes, list(self.notes))

    def _restart_reason(self, session, before, written):
        systemd = session.systemd
        if not (self.restart and systemd.online and before.get('active_state') in ACTIVE_STATES):
            return None
        if self.state == ABSENT:
            return 'so that it runs where its own unit file says' if written else None
        entry = kernel.inspect_entry(self.netns)
        inside = entry.identity is not None and process_netns(before.get('main_pid')) == entry.identity
        if not written and (inside or not before.get('main_pid')):
            return None
        if entry.identity is None:
            problem = ParameterError('netns', self.netns, 'no namespace %s under %s: %s is running and would fail '
                                     'to restart into it; create the namespace first'
                                     % (self.netns, kernel.RUN_DIR, self.unit))
            if not session.check_mode:
                raise problem
            self.notes.append('%s; a real run fails unless it is there by then' % problem.msg)
        if written:
            return 'to run it inside netns %s' % self.netns
        return 'its main process %d runs outside netns %s' % (before['main_pid'], self.netns)

    def _write(self, content):
        def write(session):
            files.write_atomic(self.path, content, 0o644, what='unit')
        return write

    def _remove(self, session):
        files.remove_file(self.path, 'unit')
        try:
            os.rmdir(self.dropin_dir)  # the directory only if nothing else of the unit's is in it
        except OSError as exc:
            if exc.errno not in (errno.ENOENT, errno.ENOTEMPTY, errno.EEXIST):
                raise

    # -- report -------------------------------------------------------------------------------------------------
    def result(self, session, plan, applied):
        state = self.read(session) if applied and plan.changed else dict(plan.before)
        if not applied:
            state.update(state=plan.after['state'], content=plan.after['content'])
        texts = [change.text for change in plan.changes]
        systemd = session.systemd
        state.update(netns=self.netns, etc_binds=plan.after['etc_binds'], requires=list(self.requires),
                     systemd={'running': systemd.running, 'version': systemd.version,
                              'reads_unit_dir': systemd.reads_unit_dir},
                     reloaded=any(text.startswith('reload systemd') for text in texts),
                     restarted=any(text.startswith('restart ') for text in texts))
        main_pid = state.get('main_pid')
        entry = kernel.inspect_entry(self.netns) if self.netns else None
        if main_pid and entry is not None and entry.identity is not None:
            state['in_netns'] = process_netns(main_pid) == entry.identity
        else:
            state['in_netns'] = None
        return state


def build(items):
    """The resources of service_netns items ([(label prefix, validated parameters)])."""
    return [ServiceNetnsResource(params) for _prefix, params in items]


# -- the module ---------------------------------------------------------------------------------------------------
def run_module(argument_spec):
    """The service_netns module: no pyroute2 needed, nothing of the kernel changed."""
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    # "path" here is the drop-in, not a file for AnsibleModule to describe (owner, mode, state=file)
    module.add_path_info = lambda kwargs: kwargs
    try:
        resources = build([('', module.params)])
        host = Host(module.check_mode, Systemd(resources[0].unit_dir))
        report = converge(host, resources)
        plan = report.plans[0]
        result = plan.resource.result(host, plan, not module.check_mode)
    except ConvergeError as exc:
        # bad input found while reading (a unit systemd does not know) changed nothing: no object failed
        extra = {} if isinstance(exc.__context__, ParameterError) else {'failed_object': exc.object}
        module.fail_json(msg=exc.msg, applied=exc.applied, **extra)
    except NetnsError as exc:
        module.fail_json(msg=exc.msg)
    for note in plan.notes:
        module.warn(note)
    result.update(changed=report.changed, actions=report.actions)
    if module._diff:
        result['diff'] = {'before': plan.before['content'] or '', 'after': plan.after['content'] or '',
                          'before_header': plan.resource.path, 'after_header': plan.resource.path}
    module.exit_json(**result)
