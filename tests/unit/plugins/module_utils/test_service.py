# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""service_netns: the drop-in's text, the validation of names, which /etc/netns entries are bound, and the plan
(write, reload, restart) against a systemd that answers from a table. Writing files, a real systemd and a reboot
are covered by the service_netns integration target and tests/reboot."""

import os

import pytest

from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.plugins.module_utils import _service as service
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import converge

HEADER = ('# Written by linuxnet.netns.service_netns: runs web.service inside the network namespace app.\n'
          '# Replaced on every run that changes it; removed with state=absent.\n')


# -- the drop-in ------------------------------------------------------------------------------------------------
def test_render_the_namespace_alone():
    assert service.render('web.service', 'app') == HEADER + '[Service]\nNetworkNamespacePath=/run/netns/app\n'


def test_render_binds_and_requires():
    text = service.render('web.service', 'app', ['hosts', 'resolv.conf'],
                          ['linuxnet-netns-lab.service', 'netns@app.service'])
    assert text == HEADER + (
        '[Unit]\n'
        '# the namespace exists before the unit starts (at boot too), and the unit stops with what made it\n'
        'After=linuxnet-netns-lab.service netns@app.service\n'
        'Requires=linuxnet-netns-lab.service netns@app.service\n'
        '\n'
        '[Service]\n'
        'NetworkNamespacePath=/run/netns/app\n'
        '# as `ip netns exec app` does, and systemd does not: the namespace\'s own files over /etc\n'
        'BindReadOnlyPaths=/etc/netns/app/hosts:/etc/hosts\n'
        'BindReadOnlyPaths=/etc/netns/app/resolv.conf:/etc/resolv.conf\n')


def test_render_a_socket_in_its_own_section():
    text = service.render('web.socket', 'app')
    assert '[Socket]\nNetworkNamespacePath=/run/netns/app\n' in text
    assert '[Service]' not in text


# -- names --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize('value', ['web.service', 'web.socket', 'openvpn-client@work.service', 'a:b_c.d-e.service',
                                   'dev-x\\x2dy.service'])
def test_unit_names_accepted(value):
    assert service.unit_name(value) == value


@pytest.mark.parametrize('value, fragment', [
    ('/etc/systemd/system/web.service', "not a path (the drop-in goes to unit_dir/NAME.d/); did you mean 'web.service'"),
    ('../web.service', 'not a path'),
    ('web', "did you mean 'web.service'"),
    ('web.conf', "did you mean 'web.conf.service'"),
    ('.service', 'must end in a unit type'),
    ('web.timer', 'a .timer unit runs no process of its own'),
    ('multi-user.target', 'a .target unit runs no process of its own'),
    ('getty@.service', 'is a template; name an instance (e.g. getty@NAME.service)'),
    ('web server.service', 'at most 255 letters, digits'),
    ('', 'must be a unit name'),
    (None, 'must be a unit name'),
    ('x' * 250 + '.service', 'at most 255'),
])
def test_unit_names_refused(value, fragment):
    with pytest.raises(ParameterError) as caught:
        service.unit_name(value)
    assert caught.value.param == 'unit'
    assert fragment in caught.value.msg


def test_required_units_may_be_of_any_type():
    assert service.unit_name('network-online.target', 'requires[0]', exec_only=False) == 'network-online.target'
    with pytest.raises(ParameterError) as caught:
        service.unit_name('/x.target', 'requires[0]', exec_only=False)
    assert caught.value.param == 'requires[0]'


@pytest.mark.parametrize('value, fragment', [
    ('a/b', 'must not contain "/"'),
    ('a b', 'letters, digits and "_.@+-"'),
    ('50%', 'letters, digits and "_.@+-"'),
    ('a:b', 'letters, digits and "_.@+-"'),
    ('..', 'must not be "." or ".."'),
])
def test_namespace_names_refused(value, fragment):
    with pytest.raises(ParameterError) as caught:
        service.unit_netns(value)
    assert caught.value.param == 'netns'
    assert fragment in caught.value.msg


def test_topology_names():
    assert service.topology_name(None) is None
    assert service.topology_name('lab-1.x') == 'lab-1.x'
    for bad in ('-lab', 'a/b', 'x' * 65, ''):
        with pytest.raises(ParameterError) as caught:
            service.topology_name(bad)
        assert caught.value.param == 'after_topology'


# -- /etc/netns entries ----------------------------------------------------------------------------------------
@pytest.fixture
def etc(tmp_path):
    """A host /etc and an /etc/netns/app with one entry of each kind."""
    host = tmp_path / 'etc'
    netns_dir = tmp_path / 'etc-netns' / 'app'
    netns_dir.mkdir(parents=True)
    host.mkdir()
    (host / 'hosts').write_text('127.0.0.1 localhost\n')
    (host / 'run-resolv.conf').write_text('nameserver 198.19.255.53\n')
    os.symlink('run-resolv.conf', str(host / 'resolv.conf'))
    (host / 'iproute2').mkdir()
    (netns_dir / 'hosts').write_text('198.18.0.2 app\n')
    (netns_dir / 'resolv.conf').write_text('nameserver 198.18.0.53\n')
    (netns_dir / 'iproute2').mkdir()
    (netns_dir / 'only-here.conf').write_text('x\n')
    (netns_dir / 'odd name').write_text('x\n')
    os.symlink('hosts', str(netns_dir / 'alias'))
    return str(tmp_path / 'etc-netns'), str(host)


def test_etc_binds_as_ip_netns_exec_makes_them(etc):
    etc_dir, host = etc
    binds, notes = service.etc_binds('app', etc_dir, host)
    assert binds == ['hosts', 'iproute2', 'resolv.conf']
    assert len(notes) == 4
    joined = '\n'.join(notes)
    assert 'alias is neither a file nor a directory' in joined
    assert 'odd name has a name a unit file cannot carry' in joined
    assert 'only-here.conf has no counterpart %s/only-here.conf' % host in joined
    assert '%s/resolv.conf is a symlink to run-resolv.conf' % host in joined


def test_etc_binds_without_a_directory(tmp_path):
    assert service.etc_binds('app', str(tmp_path), str(tmp_path)) == ([], [])


# -- planning against a systemd that answers from a table ------------------------------------------------------
class FakeSystemctl:
    """systemctl show/--version/daemon-reload/restart, answered from units {name: (LoadState, ActiveState, pid)}."""

    def __init__(self, version='252.38-1~deb12u1', units=None, unit_path=''):
        self.version = version
        self.units = dict(units or {})
        self.unit_path = unit_path
        self.calls = []

    def __call__(self, argv, timeout=None):
        self.calls.append(argv[1:])
        if argv[1] == '--version':
            return 0, 'systemd %s (%s)\n+PAM\n' % (self.version.split('.')[0], self.version), ''
        if argv[1] == 'show' and len(argv) == 3:
            return 0, 'Version=%s\nUnitPath=%s\n' % (self.version, self.unit_path), ''
        if argv[1] == 'show':
            load, active, pid = self.units.get(argv[-1], ('not-found', 'inactive', 0))
            return 0, 'LoadState=%s\nActiveState=%s\nMainPID=%d\n' % (load, active, pid), ''
        return 0, '', ''


@pytest.fixture
def host(tmp_path, monkeypatch):
    """(unit_dir, make): make(running, **systemctl) gives a Host whose systemd is a FakeSystemctl."""
    unit_dir = str(tmp_path / 'units')
    os.mkdir(unit_dir)
    monkeypatch.setattr(kernel, 'ETC_DIR', str(tmp_path / 'etc-netns'))
    # /run/netns/app is a namespace of identity (1, 2); the main pids 100 are inside it, 200 outside
    monkeypatch.setattr(kernel, 'inspect_entry', lambda name, run_dir=None: kernel.Entry(
        name, '/run/netns/' + name, kernel.LIVE if name == 'app' else kernel.ABSENT, dev=1, ino=2))
    monkeypatch.setattr(service, 'process_netns', {100: (1, 2), 200: (1, 3)}.get)

    def make(running=True, check_mode=False, **kwargs):
        systemctl = FakeSystemctl(unit_path=unit_dir + ' /usr/lib/systemd/system', **kwargs)
        return service.Host(check_mode, service.Systemd(unit_dir, run=systemctl, running=running)), systemctl
    return unit_dir, make


def resource(unit_dir, **params):
    params.setdefault('unit', 'web.service')
    params.setdefault('netns', 'app')
    params.setdefault('unit_dir', unit_dir)
    return service.build([('', params)])[0]


def actions(host_, res):
    report = converge(host_, [res])
    return report.actions, report.plans[0]


def test_offline_writes_the_file_and_nothing_else(host):
    unit_dir, make = host
    host_, systemctl = make(running=False)
    texts, plan = actions(host_, resource(unit_dir))
    path = os.path.join(unit_dir, 'web.service.d', 'linuxnet-netns.conf')
    assert texts == ['write %s' % path]
    assert open(path).read() == plan.after['content']
    assert systemctl.calls == [['--version']]
    result = plan.resource.result(host_, plan, True)
    assert result['systemd'] == {'running': False, 'version': 252, 'reads_unit_dir': False}
    assert result['reloaded'] is False and result['restarted'] is False
    # again: nothing to do
    assert actions(host_, resource(unit_dir))[0] == []


def test_a_running_unit_is_reloaded_and_restarted_into_the_namespace(host):
    unit_dir, make = host
    host_, systemctl = make(units={'web.service': ('loaded', 'active', 200)})
    texts, _plan = actions(host_, resource(unit_dir))
    assert texts[1:] == ['reload systemd (daemon-reload)', 'restart web.service (to run it inside netns app)']
    assert ['daemon-reload'] in systemctl.calls and ['restart', '--', 'web.service'] in systemctl.calls


def test_an_inactive_unit_is_reloaded_not_started(host):
    unit_dir, make = host
    host_, systemctl = make(units={'web.service': ('loaded', 'inactive', 0)})
    texts, _plan = actions(host_, resource(unit_dir))
    assert texts[1:] == ['reload systemd (daemon-reload)']
    assert not [call for call in systemctl.calls if call[0] == 'restart']


def test_unchanged_inside_is_left_alone_and_outside_is_restarted(host):
    unit_dir, make = host
    host_, _systemctl = make(units={'web.service': ('loaded', 'active', 100)})
    actions(host_, resource(unit_dir))
    assert actions(host_, resource(unit_dir))[0] == []
    host_, _systemctl = make(units={'web.service': ('loaded', 'active', 200)})
    assert actions(host_, resource(unit_dir))[0] == [
        'restart web.service (its main process 200 runs outside netns app)']
    assert actions(host_, resource(unit_dir, restart=False))[0] == []


def test_restart_false_only_warns(host):
    unit_dir, make = host
    host_, _systemctl = make(units={'web.service': ('loaded', 'active', 200)})
    texts, plan = actions(host_, resource(unit_dir, restart=False))
    assert texts[1:] == ['reload systemd (daemon-reload)']
    assert plan.notes == ['web.service is running and restart=false: the change takes effect when it next starts']


def test_check_mode_plans_the_same_and_writes_nothing(host):
    unit_dir, make = host
    host_, systemctl = make(check_mode=True, units={'web.service': ('loaded', 'active', 200)})
    texts, _plan = actions(host_, resource(unit_dir))
    assert len(texts) == 3
    assert os.listdir(unit_dir) == []
    assert not [call for call in systemctl.calls if call[0] in ('restart', 'daemon-reload')]


def test_absent_removes_the_file_and_its_empty_directory(host):
    unit_dir, make = host
    host_, _systemctl = make(units={'web.service': ('loaded', 'active', 100)})
    actions(host_, resource(unit_dir))
    texts, _plan = actions(host_, resource(unit_dir, state='absent', netns=None))
    assert texts == ['remove %s/web.service.d/linuxnet-netns.conf' % unit_dir, 'reload systemd (daemon-reload)',
                     'restart web.service (so that it runs where its own unit file says)']
    assert os.listdir(unit_dir) == []
    assert actions(host_, resource(unit_dir, state='absent', netns=None))[0] == []


def test_absent_keeps_a_directory_with_other_drop_ins(host):
    unit_dir, make = host
    host_, _systemctl = make(running=False)
    actions(host_, resource(unit_dir))
    open(os.path.join(unit_dir, 'web.service.d', 'override.conf'), 'w').close()
    actions(host_, resource(unit_dir, state='absent'))
    assert os.listdir(os.path.join(unit_dir, 'web.service.d')) == ['override.conf']


def test_a_unit_systemd_does_not_know_is_refused_before_anything(host):
    unit_dir, make = host
    host_, _systemctl = make()
    with pytest.raises(NetnsError) as caught:
        actions(host_, resource(unit_dir, unit='nosuch.service'))
    assert caught.value.param == 'unit'
    assert 'no such unit: systemd knows no nosuch.service' in caught.value.msg
    assert os.listdir(unit_dir) == []


def test_the_topology_unit_must_be_there(host):
    unit_dir, make = host
    host_, _systemctl = make(running=False)
    with pytest.raises(NetnsError) as caught:
        actions(host_, resource(unit_dir, after_topology='lab'))
    assert caught.value.param == 'after_topology'
    assert 'no unit linuxnet-netns-lab.service in %s' % unit_dir in caught.value.msg
    assert os.listdir(unit_dir) == []
    open(os.path.join(unit_dir, 'linuxnet-netns-lab.service'), 'w').close()
    texts, plan = actions(host_, resource(unit_dir, after_topology='lab', requires=['netns@app.service']))
    assert 'Requires=linuxnet-netns-lab.service netns@app.service\n' in plan.after['content']


def test_required_units_must_exist_where_systemd_runs(host):
    unit_dir, make = host
    host_, _systemctl = make(units={'web.service': ('loaded', 'inactive', 0)})
    with pytest.raises(NetnsError) as caught:
        actions(host_, resource(unit_dir, requires=['netns@app.service']))
    assert caught.value.param == 'requires' and 'systemd knows no netns@app.service' in caught.value.msg


def test_old_systemd_is_refused(host):
    unit_dir, make = host
    host_, _systemctl = make(version='241.1', units={'web.service': ('loaded', 'inactive', 0)})
    with pytest.raises(NetnsError) as caught:
        actions(host_, resource(unit_dir))
    assert 'systemd 241 is too old: NetworkNamespacePath= needs systemd 242 or newer' in caught.value.msg
    assert os.listdir(unit_dir) == []


def test_a_missing_namespace_refuses_a_restart(host):
    unit_dir, make = host
    host_, _systemctl = make(units={'web.service': ('loaded', 'active', 200)})
    with pytest.raises(NetnsError) as caught:
        actions(host_, resource(unit_dir, netns='gone'))
    assert caught.value.param == 'netns' and 'no namespace gone under /run/netns' in caught.value.msg
    assert os.listdir(unit_dir) == []


def test_a_unit_dir_systemd_does_not_read_is_offline(host, tmp_path):
    _unit_dir, make = host
    other = str(tmp_path / 'image')
    host_, systemctl = make(units={'web.service': ('loaded', 'active', 200)})
    host_.systemd = service.Systemd(other, run=systemctl, running=True)
    texts, _plan = actions(host_, resource(other))
    assert texts == ['write %s/web.service.d/linuxnet-netns.conf' % other]


def test_netns_is_required_when_present(host):
    unit_dir, _make = host
    with pytest.raises(ParameterError) as caught:
        resource(unit_dir, netns=None)
    assert caught.value.param == 'netns'


def test_a_unit_cannot_require_itself(host):
    unit_dir, _make = host
    with pytest.raises(ParameterError) as caught:
        resource(unit_dir, requires=['web.service'])
    assert caught.value.param == 'requires[0]'


def test_a_symlinked_drop_in_directory_is_refused(host, tmp_path):
    unit_dir, make = host
    os.symlink(str(tmp_path), os.path.join(unit_dir, 'web.service.d'))
    host_, _systemctl = make(running=False)
    with pytest.raises(NetnsError) as caught:
        actions(host_, resource(unit_dir))
    assert 'is not a plain directory; refusing to write through it' in caught.value.msg


def test_check_mode_notes_what_a_real_run_refuses(host):
    # an earlier task of a check run may be about to create the unit, the topology's unit and the namespace
    unit_dir, make = host
    host_, _systemctl = make(check_mode=True, units={'other.service': ('loaded', 'active', 200)})
    texts, plan = actions(host_, resource(unit_dir, unit='other.service', netns='gone', after_topology='lab'))
    assert texts[1:] == ['reload systemd (daemon-reload)', 'restart other.service (to run it inside netns gone)']
    assert [note.split(':')[0] for note in plan.notes] == ['after_topology', 'netns']
    assert all(note.endswith('a real run fails unless it is there by then') for note in plan.notes)
    host_, _systemctl = make(check_mode=True)
    _texts, plan = actions(host_, resource(unit_dir, unit='nosuch.service'))
    assert plan.notes[0].startswith('unit: no such unit')
