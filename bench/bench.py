# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: converge W(N) with the topology module and compare, in the same run, with the floors.

W(N): N namespaces; for each, a veth pair (host end <prefix>h<i>, eth0 inside), a /30 of 198.18.0.0/15
(the benchmarking range of RFC 2544, never a real network) with one address on each end, both ends and lo
up, and a default route inside via the host end.

For each N it measures, one after the other on this machine:
  ip-batch     one `ip -batch` file for the host side, plus `ip -n NS -batch` per namespace
  pyroute2     one pyroute2 process (IPRoute), entering each namespace with setns
  topology     linuxnet.netns.topology through ansible-playbook: first run, re-run, teardown
  modules      (N=10 only) the single-object modules in loops through ansible-playbook
and writes tables of wall times, ratios to the ip-batch floor, module times, result sizes and peak RSS.

It runs only inside tests/sandbox.sh, which bench/run.sh (`make bench`) starts: everything it makes lives in
the sandbox's network namespace and private /run, and goes with it. It also removes what it made itself,
also on failure. Everything that grows with N reaches the commands through files, never their arguments.
A topology run that fails is a result: the tables say so, with the module's message, and the script exits 1.
"""

import argparse
import datetime
import ipaddress
import json
import os
import platform
import random
import shutil
import string
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_PYTHON = os.path.join(ROOT, '.venv', 'bin', 'python')
PREFIX = 'lnb' + ''.join(random.choice(string.ascii_lowercase) for dummy in range(4))
SANDBOX_MARKER = '/run/linuxnet-netns-sandbox'
NETWORK = ipaddress.ip_network('198.18.0.0/15')
MAX_N = NETWORK.num_addresses // 4
DEFAULT_SIZES = (10, 100, 1000, 5000)
SETTLE_TIMEOUT = 300
# the topology module's runs at each N, in order
RUN_NAMES = ('first', 'rerun', 'teardown')
RUN_TITLES = {'first': 'first run', 'rerun': 're-run', 'teardown': 'teardown'}


def subnet(i):
    """The i-th /30 of 198.18.0.0/15: .1 on the host end, .2 inside."""
    return ipaddress.ip_network((int(NETWORK.network_address) + 4 * i, 30))


def host_address(i):
    return str(subnet(i)[1])


def inside_address(i):
    return str(subnet(i)[2])


def ns_name(i):
    return '%s%d' % (PREFIX, i)


def host_end(i):
    return '%sh%d' % (PREFIX, i)


def timed_run(cmd, env=None, check=True):
    """Run cmd; return its wall seconds, exit status and output. With check, exit with its output if it fails."""
    start = time.time()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, check=False)
    elapsed = time.time() - start
    out = proc.stdout.decode(errors='replace')
    if proc.returncode and check:
        sys.stderr.write(out[-3000:])
        raise SystemExit('bench: %s failed with exit %s' % (' '.join(cmd[:4]), proc.returncode))
    return elapsed, proc.returncode, out


def write_lines(path, lines):
    with open(path, 'w') as handle:
        handle.write(''.join(line + '\n' for line in lines))
    return path


def prefixed_links():
    out = subprocess.run(['ip', '-o', 'link', 'show'], check=False, stdout=subprocess.PIPE,
                         universal_newlines=True).stdout
    names = (line.split(': ')[1].split('@')[0] for line in out.splitlines() if ': ' in line)
    return [name for name in names if name.startswith(PREFIX)]


def cleanup(workdir):
    """Remove every namespace and host link with this run's prefix (batch files: there may be thousands)."""
    names = sorted(os.listdir('/run/netns')) if os.path.isdir('/run/netns') else []
    commands = ['netns delete %s' % name for name in names if name.startswith(PREFIX)]
    commands += ['link delete %s' % name for name in prefixed_links()]
    if commands:
        path = write_lines(os.path.join(workdir, 'cleanup.batch'), commands)
        subprocess.call(['ip', '-force', '-batch', path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def link_exists(name):
    return subprocess.call(['ip', 'link', 'show', 'dev', name], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL) == 0


def wait_until(condition, deadline):
    while not condition():
        if time.time() > deadline:
            return False
        time.sleep(0.2)
    return True


def settle():
    """Wait until the kernel has freed this run's deleted namespaces; return the seconds waited.

    `ip netns delete` returns at once; the kernel frees namespaces later, one batch after another in a single
    worker (about 15 s for 5000 here), and measuring the next method meanwhile would share the two cores
    with it. A host end of a veth goes when the kernel dismantles the namespace of its peer, early in the
    batch. Once all of ours are gone, a sentinel namespace deleted then falls into a later batch: when its
    veth end goes, our batch is finished. The machine's namespace count would not do: other users of the
    kernel create and delete namespaces too."""
    start = time.time()
    deadline = start + SETTLE_TIMEOUT
    sentinel = PREFIX + 'settle'
    settled = wait_until(lambda: not prefixed_links(), deadline)
    if settled:
        subprocess.check_call(['ip', 'netns', 'add', sentinel])
        subprocess.check_call(['ip', 'link', 'add', sentinel, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', sentinel])
        subprocess.check_call(['ip', 'netns', 'delete', sentinel])
        settled = wait_until(lambda: not link_exists(sentinel), deadline)
    waited = time.time() - start
    if settled:
        print('  the kernel freed the namespaces in %.1f s' % waited, flush=True)
    else:
        print('  the kernel has not freed the namespaces after %d s; going on' % SETTLE_TIMEOUT, flush=True)
    return waited


# -- the floors ----------------------------------------------------------------

def ip_batch(n, workdir):
    host = []
    for i in range(n):
        host.append('netns add %s' % ns_name(i))
        host.append('link add %s type veth peer name eth0 netns %s' % (host_end(i), ns_name(i)))
        host.append('addr add %s/30 dev %s' % (host_address(i), host_end(i)))
        host.append('link set %s up' % host_end(i))
    script = ['set -e', 'ip -batch %s' % write_lines(os.path.join(workdir, 'host.batch'), host)]
    for i in range(n):
        inside = write_lines(os.path.join(workdir, 'ns%d.batch' % i), [
            'link set lo up', 'link set eth0 up', 'addr add %s/30 dev eth0' % inside_address(i),
            'route add default via %s' % host_address(i)])
        script.append('ip -n %s -batch %s' % (ns_name(i), inside))
    seconds, dummy, dummy = timed_run(['bash', write_lines(os.path.join(workdir, 'ip-batch.sh'), script)])
    teardown = write_lines(os.path.join(workdir, 'teardown.batch'), ['netns delete %s' % ns_name(i) for i in range(n)])
    down, dummy, dummy = timed_run(['ip', '-batch', teardown])
    return {'first': seconds, 'teardown': down}


PYROUTE2_FLOOR = r'''"""The pyroute2 floor: converge the W(N) plan in the file named by argv[1] in one process."""
import json, os, sys
from pyroute2 import IPRoute, netns
with open(sys.argv[1]) as handle:
    plan = json.load(handle)
host_fd = os.open('/proc/self/ns/net', os.O_RDONLY)
host = IPRoute()
for name, host_end, host_address, inside_address in plan:
    netns._create(name)              # unshare + bind mount in this process, no fork
    netns.setns(host_fd)             # back to the host namespace
    host.link('add', ifname=host_end, kind='veth', peer={'ifname': 'eth0', 'net_ns_fd': name})
    idx = host.link_lookup(ifname=host_end)[0]
    host.addr('add', index=idx, address=host_address, prefixlen=30)
    host.link('set', index=idx, state='up')
    netns.pushns(name)
    inside = IPRoute()
    inside.link('set', index=1, state='up')
    eth0 = inside.link_lookup(ifname='eth0')[0]
    inside.link('set', index=eth0, state='up')
    inside.addr('add', index=eth0, address=inside_address, prefixlen=30)
    inside.route('add', dst='0.0.0.0/0', gateway=host_address)
    inside.close()
    netns.popns()
host.close()
'''


def pyroute2_floor(n, workdir):
    script = write_lines(os.path.join(workdir, 'pyroute2_floor.py'), [PYROUTE2_FLOOR])
    plan = os.path.join(workdir, 'plan.json')
    with open(plan, 'w') as handle:
        json.dump([(ns_name(i), host_end(i), host_address(i), inside_address(i)) for i in range(n)], handle)
    seconds, dummy, dummy = timed_run([VENV_PYTHON, script, plan])
    return {'first': seconds}


# -- the collection ----------------------------------------------------------------

def description(n):
    topology = {'namespaces': [], 'veths': [], 'addresses': [], 'routes': []}
    for i in range(n):
        topology['namespaces'].append({'name': ns_name(i)})
        topology['veths'].append({'name': host_end(i), 'peer': 'eth0', 'peer_netns': ns_name(i)})
        topology['addresses'].append({'dev': host_end(i), 'address': [host_address(i) + '/30']})
        topology['addresses'].append({'netns': ns_name(i), 'dev': 'eth0', 'address': [inside_address(i) + '/30']})
        topology['routes'].append({'netns': ns_name(i), 'gateway': host_address(i)})
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
        ANSIBLE_STDOUT_CALLBACK='default',
        ANSIBLE_CALLBACK_PLUGINS=os.path.join(ROOT, 'bench', 'callback_plugins'),
        ANSIBLE_CALLBACKS_ENABLED='bench_result',
        # Ansible's own files (module payloads, caches) stay in the sandbox's private /run, not in /root
        ANSIBLE_HOME=os.path.join(workdir, 'ansible'),
        ANSIBLE_LOCAL_TEMP=os.path.join(workdir, 'ansible', 'tmp'),
        ANSIBLE_REMOTE_TEMP=os.path.join(workdir, 'ansible', 'remote-tmp'),
    )
    return env


def playbook(play, workdir, env, vars_file, extra=None):
    """Run play with the description from vars_file; return the callback's record with the wall seconds.

    Only fixed-size values go on the command line: the description reaches Ansible as a vars file. A failed
    task is a result (its record says so); a playbook that fails without one ends the benchmark."""
    path = write_lines(os.path.join(workdir, 'play.yml'), [play])
    cmd = ['ansible-playbook', '-i', 'localhost,', '-c', 'local', path, '-e', '@' + vars_file]
    for key, value in (extra or {}).items():
        cmd.extend(['-e', '%s=%s' % (key, value)])
    record_path = os.path.join(workdir, 'callback.json')
    env = dict(env, BENCH_RESULT_FILE=record_path)
    started = time.time()
    seconds, status, out = timed_run(cmd, env=env, check=False)
    try:
        with open(record_path) as handle:
            record = json.load(handle)
        os.unlink(record_path)
    except (IOError, OSError, ValueError):
        record = {'tasks': []}
    if status and not any(task['status'] == 'failed' for task in record['tasks']):
        sys.stderr.write(out[-3000:])
        raise SystemExit('bench: ansible-playbook failed with exit %s' % status)
    record['wall'], record['started'] = seconds, started
    return record


def write_description(n, workdir):
    vars_file = os.path.join(workdir, 'w.json')
    with open(vars_file, 'w') as handle:
        json.dump({'w': description(n)}, handle)
    return vars_file


def topology_runs(n, workdir, env):
    vars_file = write_description(n, workdir)
    runs = {}
    for run_name, state in zip(RUN_NAMES, ('present', 'present', 'absent')):
        extra = {'topology_name': PREFIX, 'state_dir': os.path.join(workdir, 'state'), 'topology_state': state}
        record = playbook(TOPOLOGY_PLAY, workdir, env, vars_file, extra)
        task = record['tasks'][0]
        stats = task['stats'] or {}
        run = {
            'failed': task['msg'] if task['status'] == 'failed' else None,
            'wall': record['wall'], 'module': stats.get('seconds'), 'changed': task['changed'],
            'module_rss': stats.get('peak_rss_kb'), 'controller_rss': record['controller_rss_kb'],
            'result_bytes': task['result_bytes'], 'invocation_bytes': task['invocation_bytes'],
            'before_task': task['started'] - record['started'], 'task': task['ended'] - task['started'],
        }
        run['overhead'] = run['wall'] - (run['module'] or 0)
        print('  %-8s wall %6.2f s: %5.2f s to the task, task %6.2f s (module %6.2f s), %5.2f s after;'
              ' result %d B, invocation %d B, module RSS %d MiB, controller RSS %d MiB' % (
                  run_name, run['wall'], run['before_task'], run['task'], run['module'] or 0,
                  run['wall'] - run['before_task'] - run['task'], run['result_bytes'], run['invocation_bytes'],
                  (run['module_rss'] or 0) // 1024, run['controller_rss'] // 1024), flush=True)
        runs[run_name] = run
        if run['failed']:
            # what follows a failed run would measure something else (a re-run that still converges)
            print('  %s run failed: %s' % (run_name, run['failed']), flush=True)
            break
    return runs


def modules_runs(n, workdir, env):
    vars_file = write_description(n, workdir)
    first = playbook(MODULES_PLAY, workdir, env, vars_file)
    rerun = playbook(MODULES_PLAY, workdir, env, vars_file)
    for task in first['tasks'] + rerun['tasks']:
        if task['status'] == 'failed':
            raise SystemExit('bench: the single-object modules failed: %s' % task['msg'])
    return {'first': first['wall'], 'rerun': rerun['wall'],
            'rerun_changed': sum(1 for task in rerun['tasks'] if task['changed'])}


def measure(n, workdir, env):
    row = {'n': n}
    print('W(%d): ip-batch floor' % n, flush=True)
    row['floor'] = ip_batch(n, workdir)
    row['settled'] = settle()
    print('W(%d): pyroute2 floor' % n, flush=True)
    row['pyroute2'] = pyroute2_floor(n, workdir)
    cleanup(workdir)
    row['settled'] += settle()
    print('W(%d): topology module through ansible-playbook' % n, flush=True)
    row['topology'] = topology_runs(n, workdir, env)
    cleanup(workdir)
    row['settled'] += settle()
    row['modules'] = None
    if n <= 10:
        print('W(%d): single-object modules in loops' % n, flush=True)
        row['modules'] = modules_runs(n, workdir, env)
        cleanup(workdir)
        row['settled'] += settle()
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('sizes', nargs='*', type=int, default=list(DEFAULT_SIZES))
    parser.add_argument('--output', default=os.path.join(ROOT, 'bench', 'results', 'latest.md'))
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit('bench: run as root')
    if not os.path.exists(SANDBOX_MARKER):
        raise SystemExit('bench: run it in the test sandbox, with bench/run.sh (make bench)')
    for n in args.sizes:
        if not 1 <= n <= MAX_N:
            raise SystemExit('bench: N must be between 1 and %d (the /30s of %s)' % (MAX_N, NETWORK))
    # the sandbox's /run is private to it: nothing the run writes shows on the real host
    workdir = tempfile.mkdtemp(prefix='linuxnet-bench-', dir='/run')
    env = ansible_env(workdir)
    rows = []
    started, load_before = time.time(), os.getloadavg()[0]
    try:
        for n in args.sizes:
            row_started = time.time()
            rows.append(measure(n, workdir, env))
            rows[-1]['seconds'] = time.time() - row_started
            print('W(%d) took %.0f s (%.0f s of it waiting for the kernel to free namespaces)' % (
                n, rows[-1]['seconds'], rows[-1]['settled']), flush=True)
    finally:
        cleanup(workdir)
        shutil.rmtree(workdir, ignore_errors=True)
    report = render(rows, time.time() - started, (load_before, os.getloadavg()[0]))
    print(report)
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, 'w') as handle:
        handle.write(report)
    if any(run['failed'] for row in rows for run in row['topology'].values()):
        raise SystemExit('bench: a topology run failed (see the end of %s)' % args.output)


def versions():
    def version(cmd):
        try:
            # stdout only: a library's warning on stderr (cryptography's about DSA, under ansible) is no version
            return subprocess.run(cmd, check=False, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  universal_newlines=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return '?'

    def collection():
        with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
            text = 'linuxnet.netns ' + ''.join(line.split(':', 1)[1].strip() for line in handle
                                               if line.startswith('version:'))
        commit = subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'], check=False,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True).stdout
        if commit.strip():
            changed = subprocess.run(['git', '-C', ROOT, 'status', '--porcelain', '--', 'plugins'], check=False,
                                     stdout=subprocess.PIPE, universal_newlines=True).stdout
            text += ' (%s%s)' % (commit.strip(), ' + uncommitted changes in plugins/' if changed.strip() else '')
        return text
    return {
        'collection': collection(),
        'date': datetime.datetime.now().strftime('%Y-%m-%d %H:%M'),
        'machine': '%d cores, %s, kernel %s' % (os.cpu_count(), platform.machine(), platform.release()),
        'python': version([VENV_PYTHON, '--version']),
        'ansible': version([os.path.join(ROOT, '.venv', 'bin', 'ansible'), '--version']),
        'pyroute2': version([VENV_PYTHON, '-c', 'import pyroute2; print(pyroute2.__version__)']),
        'iproute2': version(['ip', '-V']),
    }


def fmt(seconds, floor=None):
    if seconds is None:
        return '-'
    text = ('%.3f s' if seconds < 0.1 else '%.2f s') % seconds
    if floor:
        ratio = seconds / floor
        text += (' (%.2f×)' if ratio < 0.1 else ' (%.1f×)') % ratio
    return text


def mib(kib):
    return '-' if kib is None else '%d MiB' % (kib // 1024)


def topology_run(row, name):
    """One run of the topology module, or None where an earlier run failed and it was not made."""
    return row['topology'].get(name)


def module_cell(run, floor):
    if run is None:
        return '-'
    return 'failed' if run['failed'] else fmt(run['module'], floor)


def wall_cell(run, floor, changed=False):
    """ansible-playbook's wall time; with changed, also whether the module reported a change."""
    if run is None:
        return '-'
    if run['failed']:
        return 'failed after %s' % fmt(run['wall'])
    return fmt(run['wall'], floor) + (' (changed=%d)' % run['changed'] if changed else '')


def overhead_cell(run):
    return '-' if run is None or run['failed'] else fmt(run['overhead'])


def render(rows, total_seconds, load):
    info = versions()
    lines = [
        '# Benchmark: W(N) converged by each method, same machine, same run',
        '',
        '%(date)s · %(collection)s · %(machine)s · %(python)s · %(ansible)s · pyroute2 %(pyroute2)s · %(iproute2)s'
        % info,
        '',
        'W(N) = N namespaces, each with a veth to the host, a /30 of 198.18.0.0/15 on both ends, lo up, a default',
        'route inside; run in the test sandbox. Times are wall clock; ratios are to the `ip -batch` floor of the',
        'same N. "module" is the time inside the module (its own `stats.seconds`); "ansible-playbook" is the whole',
        'command; "overhead" is the difference: Ansible\'s start-up, templating the description, shipping the',
        'module, the module\'s interpreter start and imports, and the result\'s JSON both ways.',
        '',
        '| N | ip -batch floor | pyroute2 floor | first run: module | ansible-playbook | overhead '
        '| re-run: module | ansible-playbook (changed) | overhead |',
        '|---|---|---|---|---|---|---|---|---|',
    ]
    for row in rows:
        base, first, rerun = row['floor']['first'], topology_run(row, 'first'), topology_run(row, 'rerun')
        lines.append('| %d | %s | %s | %s | %s | %s | %s | %s | %s |' % (
            row['n'], fmt(base), fmt(row['pyroute2']['first'], base), module_cell(first, base),
            wall_cell(first, base), overhead_cell(first), module_cell(rerun, base), wall_cell(rerun, base, changed=True),
            overhead_cell(rerun)))
    lines += [
        '',
        'Teardown (ratios to `ip -batch` deleting the same N namespaces), the size of the module\'s result as',
        'Ansible registers it (`to_json`, bytes), the module\'s own peak RSS (`stats.peak_rss_kb`) and the peak RSS',
        'of the ansible-playbook controller process (largest of the three runs):',
        '',
        '| N | ip -batch teardown | teardown: module | ansible-playbook | overhead '
        '| result JSON: first / re-run / teardown | module peak RSS: first / re-run / teardown '
        '| controller peak RSS |',
        '|---|---|---|---|---|---|---|---|',
    ]
    for row in rows:
        down, teardown = row['floor']['teardown'], topology_run(row, 'teardown')
        runs = [topology_run(row, name) for name in RUN_NAMES]
        lines.append('| %d | %s | %s | %s | %s | %s | %s | %s |' % (
            row['n'], fmt(down), module_cell(teardown, down), wall_cell(teardown, down), overhead_cell(teardown),
            ' / '.join('{:,}'.format(run['result_bytes']) if run and not run['failed'] else '-' for run in runs),
            ' / '.join(mib(run['module_rss']) if run else '-' for run in runs),
            mib(max(run['controller_rss'] for run in runs if run))))
    lines += [
        '',
        'Where the time of each ansible-playbook run goes, from the callback\'s clock: "to the task" is Ansible\'s',
        'start-up, the inventory and the vars file with the description; "task, outside the module" is',
        'templating the arguments, building and shipping the module, its interpreter start, imports and argument',
        'validation, and the result\'s JSON back to the controller; "module" is `stats.seconds`; "after" is the',
        'result\'s processing by the strategy and callbacks and Ansible\'s exit:',
        '',
        '| N | run | to the task | task, outside the module | module | after |',
        '|---|---|---|---|---|---|',
    ]
    for row in rows:
        for name in RUN_NAMES:
            run = topology_run(row, name)
            if run is None or run['failed']:
                continue
            lines.append('| %d | %s | %s | %s | %s | %s |' % (
                row['n'], RUN_TITLES[name], fmt(run['before_task']), fmt(run['task'] - (run['module'] or 0)),
                fmt(run['module']), fmt(run['wall'] - run['before_task'] - run['task'])))
    lines.append('')
    for row in rows:
        for name in RUN_NAMES:
            run = topology_run(row, name)
            if run and run['failed']:
                lines.append('W(%d): the topology %s failed, so what follows it was not measured: %s' % (
                    row['n'], RUN_TITLES[name], run['failed']))
    for row in rows:
        if row['modules']:
            base = row['floor']['first']
            lines.append('Single-object modules in loops, W(%d): first run %s, re-run %s (changed=%d).' % (
                row['n'], fmt(row['modules']['first'], base), fmt(row['modules']['rerun'], base),
                row['modules']['rerun_changed']))
    # other work on the machine slows every method, and not all equally when it comes and goes mid-run
    lines.append('The run took %.0f s (%s), waiting between methods for the kernel to free deleted namespaces;'
                 ' load average %.1f at the start, %.1f at the end.' % (
                     total_seconds, ', '.join('W(%d) %.0f s' % (row['n'], row['seconds']) for row in rows),
                     load[0], load[1]))
    return '\n'.join(lines) + '\n'


if __name__ == '__main__':
    main()
