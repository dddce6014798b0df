# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: converge W(N) with the topology module and compare, in the same run, with the floors.

W(N): N namespaces; for each, a veth pair (host end lnbh<i>, eth0 inside), a /30 with one address on
each end, both ends and lo up, and a default route inside via the host end.

For each N it measures, one after the other on this machine:
  ip-batch     one `ip -batch` file for the host side, plus `ip -n NS -batch` per namespace
  pyroute2     one pyroute2 process (IPRoute), entering each namespace with setns
  topology     linuxnet.netns.topology through ansible-playbook: first run, re-run, teardown
  modules      (N=10 only) the single-object modules in loops through ansible-playbook
and prints a table of wall times, ratios to the ip-batch floor and peak RSS.

Run it with `make bench` (or bench/run.sh); it removes everything it made, also on failure.
"""

import argparse
import datetime
import json
import os
import platform
import random
import re
import shutil
import string
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_PYTHON = os.path.join(ROOT, '.venv', 'bin', 'python')
PREFIX = 'lnb' + ''.join(random.choice(string.ascii_lowercase) for dummy in range(4))


def subnet(i):
    """The /30 of namespace i: .1 on the host end, .2 inside."""
    return '10.%d.%d' % (64 + i // 64, (i % 64) * 4)


def ns_name(i):
    return '%s%d' % (PREFIX, i)


def host_end(i):
    return '%sh%d' % (PREFIX, i)


def timed_popen(cmd, env=None):
    """Like run(), but with this child's own rusage (os.wait4), not the maximum over all children."""
    start = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    out = b''.join(iter(lambda: proc.stdout.read(65536), b''))
    dummy, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.time() - start
    code = os.waitstatus_to_exitcode(status) if hasattr(os, 'waitstatus_to_exitcode') else status >> 8
    if code:
        sys.stderr.write(out.decode(errors='replace')[-3000:])
        raise SystemExit('bench: %s failed with exit %s' % (' '.join(cmd[:4]), code))
    return elapsed, usage.ru_maxrss, out.decode(errors='replace')


def cleanup():
    """Remove every namespace and host link with this run's prefix."""
    for name in sorted(os.listdir('/run/netns')) if os.path.isdir('/run/netns') else []:
        if name.startswith(PREFIX):
            subprocess.call(['ip', 'netns', 'delete', name], stderr=subprocess.DEVNULL)
    links = subprocess.run(['ip', '-o', 'link', 'show'], check=False, stdout=subprocess.PIPE, universal_newlines=True).stdout
    for line in links.splitlines():
        name = line.split(': ')[1].split('@')[0]
        if name.startswith(PREFIX):
            subprocess.call(['ip', 'link', 'delete', name], stderr=subprocess.DEVNULL)


def wait_gone(n):
    """Namespace teardown finishes asynchronously in the kernel: let it settle between methods."""
    deadline = time.time() + 60
    while time.time() < deadline:
        out = subprocess.run(['ip', '-o', 'link', 'show'], check=False, stdout=subprocess.PIPE, universal_newlines=True).stdout
        if PREFIX not in out:
            return
        time.sleep(0.2)


# -- the floors ----------------------------------------------------------------

def ip_batch(n, workdir):
    host = []
    for i in range(n):
        host.append('netns add %s' % ns_name(i))
        host.append('link add %s type veth peer name eth0 netns %s' % (host_end(i), ns_name(i)))
        host.append('addr add %s.1/30 dev %s' % (subnet(i), host_end(i)))
        host.append('link set %s up' % host_end(i))
    host_file = os.path.join(workdir, 'host.batch')
    with open(host_file, 'w') as handle:
        handle.write('\n'.join(host) + '\n')
    inside_files = []
    for i in range(n):
        path = os.path.join(workdir, 'ns%d.batch' % i)
        with open(path, 'w') as handle:
            handle.write('link set lo up\nlink set eth0 up\naddr add %s.2/30 dev eth0\nroute add default via %s.1\n'
                         % (subnet(i), subnet(i)))
        inside_files.append(path)
    script = 'set -e\nip -batch %s\n' % host_file
    script += ''.join('ip -n %s -batch %s\n' % (ns_name(i), path) for i, path in enumerate(inside_files))
    seconds, rss, dummy = timed_popen(['bash', '-c', script])
    teardown = os.path.join(workdir, 'teardown.batch')
    with open(teardown, 'w') as handle:
        handle.write(''.join('netns delete %s\n' % ns_name(i) for i in range(n)))
    down, dummy, dummy = timed_popen(['ip', '-batch', teardown])
    return {'first': seconds, 'rss': rss, 'teardown': down}


PYROUTE2_FLOOR = r'''
import os, socket, sys, time
from pyroute2 import IPRoute, netns
prefix, n = sys.argv[1], int(sys.argv[2])
def subnet(i): return '10.%d.%d' % (64 + i // 64, (i % 64) * 4)
host_fd = os.open('/proc/self/ns/net', os.O_RDONLY)
host = IPRoute()
for i in range(n):
    name = '%s%d' % (prefix, i)
    netns._create(name)              # unshare + bind mount in this process, no fork
    netns.setns(host_fd)             # back to the host namespace
    host.link('add', ifname='%sh%d' % (prefix, i), kind='veth', peer={'ifname': 'eth0', 'net_ns_fd': name})
    idx = host.link_lookup(ifname='%sh%d' % (prefix, i))[0]
    host.addr('add', index=idx, address=subnet(i) + '.1', prefixlen=30)
    host.link('set', index=idx, state='up')
    netns.pushns(name)
    inside = IPRoute()
    inside.link('set', index=1, state='up')
    eth0 = inside.link_lookup(ifname='eth0')[0]
    inside.link('set', index=eth0, state='up')
    inside.addr('add', index=eth0, address=subnet(i) + '.2', prefixlen=30)
    inside.route('add', dst='0.0.0.0/0', gateway=subnet(i) + '.1')
    inside.close()
    netns.popns()
host.close()
'''


def pyroute2_floor(n):
    seconds, rss, dummy = timed_popen([VENV_PYTHON, '-c', PYROUTE2_FLOOR, PREFIX, str(n)])
    return {'first': seconds, 'rss': rss}


# -- the collection ----------------------------------------------------------------

def description(n):
    topology = {'namespaces': [], 'veths': [], 'addresses': [], 'routes': []}
    for i in range(n):
        topology['namespaces'].append({'name': ns_name(i)})
        topology['veths'].append({'name': host_end(i), 'peer': 'eth0', 'peer_netns': ns_name(i)})
        topology['addresses'].append({'dev': host_end(i), 'address': [subnet(i) + '.1/30']})
        topology['addresses'].append({'netns': ns_name(i), 'dev': 'eth0', 'address': [subnet(i) + '.2/30']})
        topology['routes'].append({'netns': ns_name(i), 'gateway': subnet(i) + '.1'})
    return topology


TOPOLOGY_PLAY = '''- hosts: localhost
  gather_facts: false
  tasks:
    - name: Converge W(N)
      linuxnet.netns.topology:
        namespaces: "{{ w.namespaces }}"
        veths: "{{ w.veths }}"
        addresses: "{{ w.addresses }}"
        routes: "{{ w.routes }}"
        state: "{{ topology_state }}"
        name: "{{ topology_name }}"
        state_dir: "{{ state_dir }}"
'''

MODULES_PLAY = '''- hosts: localhost
  gather_facts: false
  tasks:
    - linuxnet.netns.netns:
        name: "{{ item.name }}"
      loop: "{{ w.namespaces }}"
    - linuxnet.netns.veth: "{{ item }}"
      loop: "{{ w.veths }}"
    - linuxnet.netns.address: "{{ item }}"
      loop: "{{ w.addresses }}"
    - linuxnet.netns.route: "{{ item }}"
      loop: "{{ w.routes }}"
'''


def ansible_env(workdir):
    env = dict(os.environ)
    env.update(
        PATH=os.path.join(ROOT, '.venv', 'bin') + os.pathsep + env.get('PATH', ''),
        ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.build', 'collections'),
        ANSIBLE_PYTHON_INTERPRETER=VENV_PYTHON,
        ANSIBLE_LOCALHOST_WARNING='false',
        ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
        ANSIBLE_CALLBACK_RESULT_FORMAT='json',
        ANSIBLE_STDOUT_CALLBACK='default',
        ANSIBLE_LOCAL_TEMP=os.path.join(workdir, 'tmp'),
    )
    return env


def playbook(play, workdir, env, vars_file, extra=None):
    path = os.path.join(workdir, 'play.yml')
    with open(path, 'w') as handle:
        handle.write(play)
    cmd = ['ansible-playbook', '-i', 'localhost,', '-c', 'local', '-v', path, '-e', '@' + vars_file]
    for key, value in (extra or {}).items():
        cmd.extend(['-e', '%s=%s' % (key, value)])
    seconds, rss, out = timed_popen(cmd, env=env)
    result = {}
    match = re.search(r'^(?:changed|ok): \[localhost\] => (\{.*\})$', out, re.M)
    if match:
        result = json.loads(match.group(1))
    recap = re.search(r'changed=(\d+)', out)
    return seconds, rss, result, int(recap.group(1)) if recap else None


def write_description(n, workdir):
    vars_file = os.path.join(workdir, 'w.json')
    with open(vars_file, 'w') as handle:
        json.dump({'w': description(n)}, handle)
    return vars_file


def topology_runs(n, workdir, env):
    vars_file = write_description(n, workdir)
    results = {}
    for run_name, state in (('first', 'present'), ('rerun', 'present'), ('teardown', 'absent')):
        extra = {'topology_name': PREFIX, 'state_dir': os.path.join(workdir, 'state'), 'topology_state': state}
        results[run_name] = playbook(TOPOLOGY_PLAY, workdir, env, vars_file, extra)
    stats = dict((name, result[2].get('stats', {})) for name, result in results.items())
    return {
        'first': results['first'][0], 'rerun': results['rerun'][0], 'teardown': results['teardown'][0],
        'module_first': stats['first'].get('seconds'), 'module_rerun': stats['rerun'].get('seconds'),
        'module_teardown': stats['teardown'].get('seconds'),
        'rss': max(s.get('peak_rss_kb') or 0 for s in stats.values()),
        'first_changed': results['first'][3], 'rerun_changed': results['rerun'][3],
    }


def modules_runs(n, workdir, env):
    vars_file = write_description(n, workdir)
    first, dummy, dummy, first_changed = playbook(MODULES_PLAY, workdir, env, vars_file)
    rerun, dummy, dummy, rerun_changed = playbook(MODULES_PLAY, workdir, env, vars_file)
    return {'first': first, 'rerun': rerun, 'first_changed': first_changed, 'rerun_changed': rerun_changed}


def fmt(seconds, floor=None):
    if seconds is None:
        return '-'
    text = '%.2f s' % seconds
    if floor:
        text += ' (%.1f×)' % (seconds / floor)
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('sizes', nargs='*', type=int, default=[10, 100, 500])
    parser.add_argument('--output', default=os.path.join(ROOT, 'bench', 'results', 'latest.md'))
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit('bench: run as root')
    workdir = tempfile.mkdtemp(prefix='linuxnet-bench-')
    os.makedirs(os.path.join(workdir, 'tmp'))
    env = ansible_env(workdir)
    rows = []
    try:
        for n in args.sizes:
            print('W(%d): ip-batch floor' % n, flush=True)
            floor = ip_batch(n, workdir)
            wait_gone(n)
            print('W(%d): pyroute2 floor' % n, flush=True)
            py = pyroute2_floor(n)
            cleanup()
            wait_gone(n)
            print('W(%d): topology module through ansible-playbook' % n, flush=True)
            topo = topology_runs(n, workdir, env)
            wait_gone(n)
            mods = None
            if n <= 10:
                print('W(%d): single-object modules in loops' % n, flush=True)
                mods = modules_runs(n, workdir, env)
                cleanup()
                wait_gone(n)
            rows.append((n, floor, py, topo, mods))
    finally:
        cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
    report = render(rows)
    print(report)
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, 'w') as handle:
        handle.write(report)


def versions():
    def version(cmd):
        try:
            return subprocess.run(cmd, check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  universal_newlines=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return '?'
    return {
        'date': datetime.datetime.now().strftime('%Y-%m-%d %H:%M'),
        'machine': '%d cores, %s, kernel %s' % (os.cpu_count(), platform.machine(), platform.release()),
        'python': version([VENV_PYTHON, '--version']),
        'ansible': version([os.path.join(ROOT, '.venv', 'bin', 'ansible'), '--version']),
        'pyroute2': version([VENV_PYTHON, '-c', 'import pyroute2; print(pyroute2.__version__)']),
        'iproute2': version(['ip', '-V']),
    }


def render(rows):
    info = versions()
    lines = [
        '# Benchmark: W(N) converged by each method, same machine, same run',
        '',
        '%(date)s · %(machine)s · %(python)s · %(ansible)s · pyroute2 %(pyroute2)s · %(iproute2)s' % info,
        '',
        'W(N) = N namespaces, each with a veth to the host, a /30 on both ends, lo up, a default route inside.',
        'Times are wall clock; ratios are to the `ip -batch` floor of the same N. Topology times include',
        'ansible-playbook start-up; "module" is the time inside the module (its own `stats.seconds`).',
        '',
        '| N | ip -batch floor | pyroute2 floor | topology first run | topology re-run (changed) | topology teardown '
        '| module: first / re-run / teardown | module peak RSS | modules in loops: first / re-run |',
        '|---|---|---|---|---|---|---|---|---|',
    ]
    for n, floor, py, topo, mods in rows:
        base = floor['first']
        loops = '-'
        if mods:
            loops = '%s / %s' % (fmt(mods['first'], base), fmt(mods['rerun'], base))
        lines.append('| %d | %s | %s | %s | %s (changed=%s) | %s | %s / %s / %s | %d MiB | %s |' % (
            n, fmt(base), fmt(py['first'], base), fmt(topo['first'], base), fmt(topo['rerun'], base),
            topo['rerun_changed'], fmt(topo['teardown'], floor['teardown']), fmt(topo['module_first']),
            fmt(topo['module_rerun']), fmt(topo['module_teardown']), (topo['rss'] or 0) // 1024, loops))
    lines.append('')
    lines.append('Teardown ratio is to `ip -batch` deleting the N namespaces (%s).' % ', '.join(
        'N=%d: %.2f s' % (n, floor['teardown']) for n, floor, _py, _topo, _mods in rows))
    return '\n'.join(lines) + '\n'


if __name__ == '__main__':
    main()
