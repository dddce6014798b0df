# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hostile /run/netns and /etc/netns: links are never followed to delete or write, non-namespace files
are never deleted, and every refusal is a clear error. Runs inside the suite's private /run."""

import hashlib
import os
import shutil
import subprocess
import time

import pytest

from conftest import figure, run_module, sh


def digest(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def planted(prefix, suffix):
    return '/run/netns/%s-%s' % (prefix, suffix)


@pytest.fixture
def run_dir():
    os.makedirs('/run/netns', exist_ok=True)
    yield '/run/netns'


@pytest.mark.parametrize('module', ['netns', 'attach'])
def test_symlink_to_a_system_file(prefix, run_dir, module):
    path = planted(prefix, 'passwd')
    os.symlink('/etc/passwd', path)
    before = digest('/etc/passwd')
    name = os.path.basename(path)
    present = run_module(module, {'name': name, 'pid': os.getpid()} if module == 'attach' else {'name': name})
    assert present['rc'] != 0 and 'not a network namespace' in present['msg'], present['msg']
    absent = run_module(module, {'name': name, 'state': 'absent'})
    assert absent['rc'] == 0 and absent['changed'], absent
    assert not os.path.lexists(path)
    assert digest('/etc/passwd') == before
    figure('hostile_cases', 2)


def test_symlink_into_proc(prefix, run_dir):
    path = planted(prefix, 'proc')
    os.symlink('/proc/sys/kernel/hostname', path)
    hostname = open('/proc/sys/kernel/hostname').read()
    present = run_module('netns', {'name': os.path.basename(path)})
    assert present['rc'] != 0 and 'not a network namespace' in present['msg']
    absent = run_module('netns', {'name': os.path.basename(path), 'state': 'absent'})
    assert absent['rc'] == 0 and not os.path.lexists(path)
    assert open('/proc/sys/kernel/hostname').read() == hostname
    figure('hostile_cases', 2)


def test_symlink_to_a_namespace_in_proc_is_unlinked_not_followed(prefix, run_dir):
    sleeper = subprocess.Popen(['unshare', '--net', 'sleep', '60'])
    try:
        path = planted(prefix, 'pidlink')
        os.symlink('/proc/%d/ns/net' % sleeper.pid, path)
        absent = run_module('netns', {'name': os.path.basename(path), 'state': 'absent'})
        assert absent['rc'] == 0 and absent['changed']
        assert not os.path.lexists(path)
        assert os.path.exists('/proc/%d/ns/net' % sleeper.pid) and sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()
    figure('hostile_cases', 1)


@pytest.mark.parametrize('kind', ['directory', 'file'])
def test_directory_or_file_at_the_name_is_never_deleted(prefix, run_dir, kind):
    path = planted(prefix, kind)
    if kind == 'directory':
        os.mkdir(path)
        with open(os.path.join(path, 'keep'), 'w') as handle:
            handle.write('keep\n')
    else:
        with open(path, 'w') as handle:
            handle.write('not a namespace\n')
    for module, args in (('netns', {}), ('netns', {'state': 'absent'}), ('attach', {'pid': os.getpid()}),
                         ('attach', {'state': 'absent'})):
        result = run_module(module, dict(args, name=os.path.basename(path)))
        assert result['rc'] != 0 and 'refusing' in result['msg'], (module, args, result['msg'])
        assert os.path.exists(path)
    if kind == 'directory':
        assert open(os.path.join(path, 'keep')).read() == 'keep\n'
        shutil.rmtree(path)
    else:
        assert open(path).read() == 'not a namespace\n'
        os.unlink(path)
    figure('hostile_cases', 4)


def mountpoint(path):
    """The mounts stacked at path that are visible here, bottom first.

    This suite's /run is a tmpfs over the machine's /run, and mountinfo still lists the machine's own
    mounts under its /run (hidden now): only mounts whose parent is our /run, or a mount stacked on one
    of those, count.
    """
    with open('/proc/self/mountinfo') as handle:
        mounts = [line.split() for line in handle]
    run = [fields for fields in mounts if fields[4] == os.path.dirname(path)][-1]
    chain = []
    parent = run[0]
    while True:
        above = [fields for fields in mounts if fields[4] == path and fields[1] == parent]
        if not above:
            return chain
        chain.append(above[-1])
        parent = above[-1][0]


def test_run_netns_missing_then_not_a_mount_point(prefix):
    # this suite's /run is a private tmpfs: removing /run/netns here touches nothing of the machine
    while mountpoint('/run/netns'):
        subprocess.check_call(['umount', '/run/netns'])
    if os.path.isdir('/run/netns') and not os.listdir('/run/netns'):
        os.rmdir('/run/netns')
    assert not os.path.exists('/run/netns')
    created = run_module('netns', {'name': prefix + '-fresh'})
    assert created['rc'] == 0 and created['changed'], created
    entries = mountpoint('/run/netns')
    assert entries and any(field.startswith('shared:') for field in entries[-1][6:]), entries
    sh('ip netns exec %s-fresh true' % prefix)
    assert run_module('netns', {'name': prefix + '-fresh', 'state': 'absent'})['rc'] == 0
    # now a plain directory that is not a mount point (earlier binds may be stacked: take them all off)
    while mountpoint('/run/netns'):
        subprocess.check_call(['umount', '/run/netns'])
    assert os.path.isdir('/run/netns')
    created = run_module('netns', {'name': prefix + '-plain'})
    assert created['rc'] == 0, created
    assert mountpoint('/run/netns')
    assert run_module('netns', {'name': prefix + '-plain', 'state': 'absent'})['rc'] == 0
    figure('hostile_cases', 2)


def test_run_netns_as_a_symlink_is_refused(prefix):
    while mountpoint('/run/netns'):
        subprocess.check_call(['umount', '/run/netns'])
    os.rmdir('/run/netns')
    target = '/tmp/%s-elsewhere' % prefix
    os.mkdir(target)
    os.symlink(target, '/run/netns')
    try:
        result = run_module('netns', {'name': prefix + '-x'})
        assert result['rc'] != 0 and '/run/netns is a symlink' in result['msg'], result['msg']
        assert os.listdir(target) == []
    finally:
        os.unlink('/run/netns')
        os.rmdir(target)
        os.mkdir('/run/netns')
    figure('hostile_cases', 1)


def test_etc_netns_links_are_never_written_through(prefix, run_dir):
    name = prefix + '-etc'
    assert run_module('netns', {'name': name})['rc'] == 0
    before = digest('/etc/passwd')
    os.makedirs('/etc/netns/' + name, exist_ok=True)
    os.symlink('/etc/passwd', '/etc/netns/%s/resolv.conf' % name)
    result = run_module('netns', {'name': name, 'etc_files': {'resolv.conf': 'nameserver 198.18.192.1\n'}})
    assert result['rc'] != 0 and 'not a regular file' in result['msg'], result['msg']
    assert digest('/etc/passwd') == before
    os.unlink('/etc/netns/%s/resolv.conf' % name)
    os.rmdir('/etc/netns/' + name)
    decoy = '/tmp/%s-decoy' % prefix
    os.mkdir(decoy)
    os.symlink(decoy, '/etc/netns/' + name)
    result = run_module('netns', {'name': name, 'etc_files': {'hosts': '127.0.0.1 localhost\n'}})
    assert result['rc'] != 0 and 'symlink' in result['msg'], result['msg']
    assert os.listdir(decoy) == []
    os.unlink('/etc/netns/' + name)
    os.rmdir(decoy)
    assert run_module('netns', {'name': name, 'state': 'absent'})['rc'] == 0
    figure('hostile_cases', 2)


@pytest.mark.parametrize('how', ['bind', 'symlink'])
def test_netns_info_lists_every_entry_when_one_is_another_namespace_type(prefix, run_dir, how):
    """A uts namespace at a name (a bind mount or a symlink of /proc/PID/ns/uts) is reported as invalid on its own
    item; the good namespaces beside it are listed with their details."""
    good = '%s-good' % prefix
    bad = planted(prefix, 'uts')
    assert run_module('netns', {'name': good})['changed']
    sleeper = subprocess.Popen(['unshare', '--uts', 'sleep', '60'])
    try:
        target = '/proc/%d/ns/uts' % sleeper.pid
        for _attempt in range(50):  # until unshare has exec'd sleep in its new namespace
            if os.readlink(target) != os.readlink('/proc/self/ns/uts'):
                break
            time.sleep(0.02)
        if how == 'bind':
            open(bad, 'w').close()
            sh('mount --bind %s %s' % (target, bad))
        else:
            os.symlink(target, bad)
        info = run_module('netns_info', {'details': True})
        assert info['rc'] == 0, info
        by_name = dict((item['name'], item) for item in info['namespaces'])
        assert by_name[good]['state'] == 'live' and 'links' in by_name[good], by_name[good]
        item = by_name[os.path.basename(bad)]
        assert item['state'] == 'invalid' and 'a uts namespace, not a network namespace' in item['problem'], item
        assert good in [ns['name'] for ns in info['topology']['namespaces']]
        assert os.path.basename(bad) not in [ns['name'] for ns in info['topology']['namespaces']]
        # and the netns module refuses the name, naming what is there
        refused = run_module('netns', {'name': os.path.basename(bad)})
        assert refused['rc'] != 0 and 'uts namespace' in refused['msg'], refused
    finally:
        if how == 'bind':
            sh('umount %s' % bad, check=False)
        if os.path.lexists(bad):
            os.unlink(bad)
        sleeper.kill()
        sleeper.wait()
        run_module('netns', {'name': good, 'state': 'absent'})
    figure('hostile_cases', 1)
