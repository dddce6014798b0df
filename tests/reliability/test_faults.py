# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Faults: kill -9 mid-converge, processes exiting mid-attach, pid reuse, engines stopped, namespaces deleted by hand."""

import json
import os
import random
import signal
import socket
import subprocess
import threading
import time

from conftest import FULL, figure, netns_names, run_module, sh

KILL_ROUNDS = 100 if FULL else 20
RACE_ROUNDS = 60 if FULL else 12


def description(prefix, count=30):
    topology = {'namespaces': [], 'veths': [], 'addresses': [], 'routes': [], 'sysctls': [], 'etc_files': []}
    for i in range(count):
        ns = '%s-%d' % (prefix, i)
        net = '198.%d.%d' % (18 + i // 256, i % 256)
        topology['namespaces'].append({'name': ns})
        topology['veths'].append({'name': '%sh%d' % (prefix, i), 'peer': 'eth0', 'peer_netns': ns})
        topology['addresses'].append({'dev': '%sh%d' % (prefix, i), 'address': [net + '.1/30']})
        topology['addresses'].append({'netns': ns, 'dev': 'eth0', 'address': [net + '.2/30', '2001:db8:90:%d::2/64' % i]})
        topology['routes'].append({'netns': ns, 'gateway': net + '.1'})
        topology['sysctls'].append({'netns': ns, 'sysctls': {'net.ipv4.ip_forward': 1}})
        topology['etc_files'].append({'netns': ns, 'etc_files': {'resolv.conf': 'nameserver %s.1\n' % net}})
    return topology


def objects_of(topology):
    return sum(len(items) for items in topology.values())


def host_links(prefix):
    out = sh('ip -o link show')
    return sorted(line.split(': ')[1].split('@')[0] for line in out.splitlines()
                  if line.split(': ')[1].startswith(prefix))


def mounts(prefix):
    with open('/proc/self/mountinfo') as handle:
        return sorted(line.split()[4] for line in handle if '/run/netns/%s' % prefix in line.split()[4])


def assert_exactly(prefix, topology):
    """The kernel holds what is described, once, and nothing else with the prefix."""
    wanted = sorted(item['name'] for item in topology['namespaces'])
    assert netns_names(prefix) == wanted
    assert mounts(prefix) == sorted('/run/netns/' + name for name in wanted), 'a namespace entry is mounted twice'
    assert host_links(prefix) == sorted(item['name'] for item in topology['veths'])


def test_kill9_during_converge_then_rerun_converges(prefix):
    topology = description(prefix)
    args = dict(topology, name=prefix, state_dir='/tmp/%s-state' % prefix)
    # a converge takes several times as long as a teardown, so each kind of round
    # draws its kill moment from its own measured duration
    seconds = {}
    started = time.time()
    first = run_module('topology', args)
    seconds['present'] = time.time() - started
    assert first['rc'] == 0 and first['changed'], first
    started = time.time()
    assert run_module('topology', dict(args, state='absent'))['rc'] == 0
    seconds['absent'] = time.time() - started
    kills = 0
    for round_number in range(KILL_ROUNDS):
        # even rounds kill a converge from scratch, odd rounds kill a teardown
        teardown = round_number % 2 == 1
        if teardown:
            assert run_module('topology', args)['rc'] == 0
        state = 'absent' if teardown else 'present'
        proc = run_module('topology', dict(args, state=state), background=True)
        pause = random.uniform(0.02, seconds[state] * 0.9)
        time.sleep(pause)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        else:
            # it finished sooner than the measured run (which a loaded machine may have stretched)
            seconds[state] = min(seconds[state], pause)
        proc.communicate()
        os.unlink(proc.args_file)
        # whatever was left, a re-run converges and a third run has nothing to do
        again = run_module('topology', dict(args, state=state))
        assert again['rc'] == 0, again
        settled = run_module('topology', dict(args, state=state))
        assert settled['rc'] == 0 and not settled['changed'], settled
        if teardown:
            assert netns_names(prefix) == [] and host_links(prefix) == []
            assert not [name for name in os.listdir('/etc/netns') if name.startswith(prefix)]
            with open('/tmp/%s-state/%s.json' % (prefix, prefix)) as handle:
                assert json.load(handle)['objects'] == {}
        else:
            assert_exactly(prefix, topology)
            assert run_module('topology', dict(args, state='absent'))['rc'] == 0
        figure('faults_kill9', 1)
    figure('faults_kill9_objects', objects_of(topology))
    figure('faults_kill9_landed', kills)
    assert kills >= KILL_ROUNDS // 2, 'most kills must land while the module runs (%d of %d did)' % (kills, KILL_ROUNDS)


def ns_inode_of(pid):
    return os.stat('/proc/%d/ns/net' % pid).st_ino


def unshared_inode(proc, timeout=5.0):
    """The inode of the namespace `unshare --net` made, once it has made it (under load, the process may
    still be in ours for a while after it started)."""
    own = ns_inode_of(os.getpid())
    deadline = time.time() + timeout
    while True:
        inode = ns_inode_of(proc.pid)
        if inode != own:
            return inode
        if time.time() > deadline:
            raise AssertionError('unshare --net (pid %d) did not leave this namespace in %.0f s' % (proc.pid, timeout))
        time.sleep(0.005)


def test_process_exits_between_resolution_and_linking(prefix):
    outcomes = {'linked': 0, 'refused': 0}
    for round_number in range(RACE_ROUNDS):
        method = 'bind' if round_number % 2 == 0 else 'symlink'
        lifetime = random.uniform(0.2, 0.6)
        proc = subprocess.Popen(['unshare', '--net', 'sleep', '%.2f' % lifetime])
        try:
            inode = unshared_inode(proc)
        except OSError:
            proc.wait()
            continue
        name = '%s-race%d' % (prefix, round_number)
        result = run_module('attach', {'name': name, 'pid': proc.pid, 'method': method})
        proc.wait()
        path = '/run/netns/' + name
        if result['rc'] == 0:
            outcomes['linked'] += 1
            assert result['netns_inode'] == inode
            if method == 'bind':
                # a bind mount keeps the namespace the module checked, whatever happened to the process
                assert os.stat(path).st_ino == inode
        else:
            outcomes['refused'] += 1
            assert 'pid' in result['msg'] and str(proc.pid) in result['msg'], result['msg']
            assert not os.path.lexists(path), 'a failed attach left %s behind' % path
        if os.path.lexists(path):
            sh('ip netns delete %s 2>/dev/null || rm -f %s' % (name, path), check=False)
        figure('faults_container_races', 1)
    assert sum(outcomes.values()) >= RACE_ROUNDS // 2


def force_pid(pid, attempts=200):
    """Start a process in a new network namespace that gets exactly this pid (ns_last_pid, then fork)."""
    for _attempt in range(attempts):
        with open('/proc/sys/kernel/ns_last_pid', 'w') as handle:
            handle.write(str(pid - 1))
        proc = subprocess.Popen(['unshare', '--net', 'sleep', '300'])
        if proc.pid == pid:
            return proc
        proc.kill()
        proc.wait()
    raise AssertionError('could not get pid %d again after %d attempts' % (pid, attempts))


def test_pid_reuse_makes_a_symlink_entry_stale(prefix):
    first = subprocess.Popen(['unshare', '--net', 'sleep', '300'])
    first_inode = unshared_inode(first)
    name = prefix + '-reuse'
    linked = run_module('attach', {'name': name, 'pid': first.pid, 'method': 'symlink'})
    assert linked['rc'] == 0 and linked['netns_inode'] == first_inode, linked
    first.kill()
    first.wait()
    second = force_pid(first.pid)
    try:
        assert unshared_inode(second) != first_inode
        # the symlink now resolves to the new process's namespace: the collection says it is stale
        info = run_module('netns_info', {'names': [name]})
        entry = info['namespaces'][0]
        assert entry['state'] == 'stale', entry
        assert 'made for a process that has exited' in entry['problem']
        present = run_module('netns', {'name': name})
        assert present['rc'] != 0 and 'stale' in present['msg']
        relink = run_module('attach', {'name': name, 'pid': second.pid, 'method': 'symlink'}, diff=True)
        assert relink['rc'] == 0 and relink['changed'], relink
        assert relink['diff']['before']['state'] == 'stale'
        assert relink['netns_inode'] == ns_inode_of(second.pid)
        again = run_module('attach', {'name': name, 'pid': second.pid, 'method': 'symlink'})
        assert not again['changed']
        second.kill()
        second.wait()
        pruned = run_module('attach', {'prune': True, 'prune_pattern': prefix + '-*'})
        assert pruned['pruned'] == [name]
        assert not os.path.lexists('/run/netns/' + name)
    finally:
        second.kill()
        second.wait()
    figure('faults_pid_reuse', 1)


def test_engine_stopped_is_a_clear_error(prefix):
    dead = '/tmp/%s-docker.sock' % prefix
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(dead)
    server.close()  # the socket file stays, nobody listens: a stopped dockerd
    try:
        result = run_module('attach', {'name': prefix + '-c', 'container': 'web', 'runtime': 'docker',
                                       'docker_host': 'unix://' + dead})
    finally:
        os.unlink(dead)
    assert result['rc'] != 0
    assert 'docker_host' in result['msg'] and dead in result['msg'], result['msg']
    missing = run_module('attach', {'name': prefix + '-c', 'container': 'web', 'runtime': 'podman',
                                    'podman_executable': '/nonexistent/podman'})
    assert missing['rc'] != 0 and 'podman' in missing['msg'], missing['msg']
    assert not os.path.lexists('/run/netns/%s-c' % prefix)
    figure('faults_other', 2)


def test_namespace_deleted_by_hand_between_runs(prefix):
    topology = description(prefix, count=3)
    args = dict(topology, name=prefix, state_dir='/tmp/%s-state' % prefix)
    assert run_module('topology', args)['changed']
    sh('ip netns delete %s-1' % prefix)
    again = run_module('topology', args)
    assert again['rc'] == 0 and again['changed'], again
    assert 'create netns %s-1' % prefix in again['actions']
    assert "add route default via 198.18.1.1 in netns '%s-1'" % prefix in again['actions']
    assert not run_module('topology', args)['changed']
    sh('ip netns exec %s-1 ping -c1 -W2 198.18.1.1' % prefix)
    assert run_module('topology', dict(args, state='absent'))['rc'] == 0
    figure('faults_other', 1)


def test_teardown_run_again_while_the_kernel_still_frees_a_namespace(prefix):
    """The kernel frees a deleted namespace asynchronously (with many queued, seconds later): until then the
    host's end of its veth and the address on it are still there. A teardown run again meanwhile waits for
    them instead of removing the address, and reports no change."""
    topology = description(prefix, count=2)
    args = dict(topology, name=prefix, state_dir='/tmp/%s-state' % prefix)
    assert run_module('topology', args)['changed']
    # a process inside keeps the namespace from being freed once its name is gone, as a long queue would
    holder = subprocess.Popen(['ip', 'netns', 'exec', '%s-0' % prefix, 'sleep', '60'])
    try:
        deadline = time.time() + 5
        while ns_inode_of(holder.pid) != os.stat('/run/netns/%s-0' % prefix).st_ino:
            assert time.time() < deadline, 'ip netns exec did not enter the namespace in 5 s'
            time.sleep(0.005)
        first = run_module('topology', dict(args, state='absent'))
        assert first['rc'] == 0 and first['changed'], first
        assert netns_names(prefix) == [] and host_links(prefix) == ['%sh0' % prefix]
        killer = threading.Timer(1.0, holder.kill)
        killer.start()
        started = time.time()
        again = run_module('topology', dict(args, state='absent'))
        waited = time.time() - started
        killer.join()
    finally:
        holder.kill()
        holder.wait()
    assert again['rc'] == 0 and not again['changed'] and again['actions'] == [], again
    assert waited > 1.0, 'the run did not wait for the kernel (%.2f s)' % waited
    assert host_links(prefix) == []
    figure('faults_other', 1)
