# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark of firewalls: N namespaces, each with a masquerade rule and a port forward, converged in one
topology task, next to the `nft -f` floor of the same rules in the same run.

Each namespace i has a veth to the host (host end <prefix>h<i>, eth0 inside) with a /30 of 198.18.0.0/15, lo
up and a default route via the host end; its firewall masquerades 198.19.0.0/16 out of eth0 and forwards its
port 8080 to port 80 of the host end. Measured, one after the other:

  base         the topology without firewalls, converged, then re-run (what the firewall runs also read)
  nft -f       the same tables written as nft scripts, loaded with one `nft -f` per namespace, each run inside
               its namespace by a process that entered it with setns (no nsenter): the floor
  firewalls    the topology with the firewalls: first run, and a re-run (changed=0)

and prints wall times and the module's own time (stats.seconds), with the firewall cost per namespace: the
module time of the firewall runs minus that of the base re-run, divided by N.

`make bench` runs it after the W(N) benchmark and writes bench/results/firewall.md (the README shows that file).
Alone, inside the test sandbox:  tests/sandbox.sh .venv/bin/python bench/firewall.py [-n 100] [--output FILE]
"""

import argparse
import ctypes
import datetime
import ipaddress
import json
import os
import random
import shutil
import string
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_PYTHON = os.path.join(ROOT, '.venv', 'bin', 'python')
SANDBOX_MARKER = '/run/linuxnet-netns-sandbox'
PREFIX = 'lnf' + ''.join(random.choice(string.ascii_lowercase) for dummy in range(4))
NETWORK = ipaddress.ip_network('198.18.0.0/15')
CLONE_NEWNET = 0x40000000
WORK = None  # the run's scratch directory, made when the script runs
PLAYBOOK = '''- hosts: localhost
  gather_facts: false
  tasks:
    - name: the topology
      linuxnet.netns.topology: "{{ lookup('ansible.builtin.file', description) | from_json }}"
      register: converged
    - name: its result, for the benchmark
      ansible.builtin.copy:
        content: "{{ converged | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
'''
# the table the module makes, as an operator would write it for nft -f
NFT_SCRIPT = '''table inet linuxnet {
\tchain nat_prerouting {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\ttcp dport 8080 dnat ip to %(to)s:80
\t}
\tchain nat_output {
\t\ttype nat hook output priority -100; policy accept;
\t\tfib daddr type local tcp dport 8080 dnat ip to %(to)s:80
\t}
\tchain nat_postrouting {
\t\ttype nat hook postrouting priority srcnat; policy accept;
\t\tip saddr 198.19.0.0/16 oifname "eth0" masquerade
\t}
}
'''


def subnet(i):
    return ipaddress.ip_network((int(NETWORK.network_address) + 4 * i, 30))


def ns_name(i):
    return '%s%d' % (PREFIX, i)


def description(n, firewalls, state='present'):
    names = [ns_name(i) for i in range(n)]
    topology = {
        'name': PREFIX, 'state': state, 'state_dir': os.path.join(WORK, 'state'),
        'namespaces': [{'name': name} for name in names],
        'veths': [{'name': '%sh%d' % (PREFIX, i), 'peer': 'eth0', 'peer_netns': names[i]} for i in range(n)],
        'addresses': [item for i in range(n) for item in (
            {'dev': '%sh%d' % (PREFIX, i), 'address': ['%s/30' % subnet(i)[1]]},
            {'dev': 'eth0', 'netns': names[i], 'address': ['%s/30' % subnet(i)[2]]})],
        'routes': [{'netns': names[i], 'gateway': str(subnet(i)[1])} for i in range(n)],
    }
    if firewalls:
        topology['firewalls'] = [{
            'netns': names[i],
            'masquerade': [{'source': '198.19.0.0/16', 'out_interface': 'eth0'}],
            'port_forwards': [{'protocol': 'tcp', 'port': 8080, 'to': '%s:80' % subnet(i)[1]}],
        } for i in range(n)]
    return topology


def converge(topology, label):
    """ansible-playbook with one topology task: (wall seconds, the module's result)."""
    path = os.path.join(WORK, 'description.json')
    result_file = os.path.join(WORK, 'result.json')
    with open(path, 'w') as handle:
        json.dump(topology, handle)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.build', 'collections'),
               ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false', ANSIBLE_NOCOLOR='1')
    command = [os.path.join(ROOT, '.venv', 'bin', 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
               '-e', 'ansible_python_interpreter=%s' % VENV_PYTHON, '-e', 'description=%s' % path,
               '-e', 'result_file=%s' % result_file, os.path.join(WORK, 'playbook.yml')]
    started = time.time()
    proc = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          check=False)
    wall = time.time() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout)
        raise SystemExit('%s: ansible-playbook failed' % label)
    with open(result_file) as handle:
        return wall, json.load(handle)


def nft_floor(n, nft):
    """One nft -f per namespace, each from a process that entered the namespace with setns."""
    libc = ctypes.CDLL(None, use_errno=True)
    host = os.open('/proc/thread-self/ns/net', os.O_RDONLY)
    scripts = []
    for i in range(n):
        path = os.path.join(WORK, 'fw%d.nft' % i)
        with open(path, 'w') as handle:
            handle.write(NFT_SCRIPT % {'to': subnet(i)[1]})
        scripts.append(path)
    fds = [os.open('/run/netns/%s' % ns_name(i), os.O_RDONLY) for i in range(n)]
    started = time.time()
    try:
        for fd, path in zip(fds, scripts):
            if libc.setns(fd, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), 'setns')
            subprocess.run([nft, '-f', path], check=True)
    finally:
        libc.setns(host, CLONE_NEWNET)
    seconds = time.time() - started
    for fd in fds:
        libc.setns(fd, CLONE_NEWNET)
        subprocess.run([nft, 'delete', 'table', 'inet', 'linuxnet'], check=True)
        os.close(fd)
    libc.setns(host, CLONE_NEWNET)
    os.close(host)
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('-n', type=int, default=100, help='namespaces (default 100)')
    parser.add_argument('--output', help='also write the results (markdown) to this file')
    args = parser.parse_args()
    if not os.path.exists(SANDBOX_MARKER):
        raise SystemExit('run it in the test sandbox: tests/sandbox.sh .venv/bin/python bench/firewall.py')
    nft = shutil.which('nft') or '/usr/sbin/nft'
    with open(os.path.join(WORK, 'playbook.yml'), 'w') as handle:
        handle.write(PLAYBOOK)
    n = args.n
    rows = []
    try:
        converge(description(n, False), 'base')
        wall, base = converge(description(n, False), 'base re-run')
        rows.append(('base re-run (changed=%s)' % base['changed'], wall, base['stats']['seconds']))
        floor = nft_floor(n, nft)
        rows.append(('nft -f, one per namespace (floor)', floor, None))
        wall, first = converge(description(n, True), 'firewalls')
        rows.append(('firewalls, first run (changed=%s)' % first['changed'], wall, first['stats']['seconds']))
        wall, again = converge(description(n, True), 'firewalls re-run')
        rows.append(('firewalls, re-run (changed=%s)' % again['changed'], wall, again['stats']['seconds']))
    finally:
        converge(description(n, True, 'absent'), 'teardown')
    nft_version = subprocess.run([nft, '--version'], stdout=subprocess.PIPE, universal_newlines=True,
                                 check=False).stdout.strip()
    when = datetime.datetime.now().strftime('%Y-%m-%d %H:%M')
    lines = ['# Benchmark: firewalls in one topology task, next to the nft -f floor', '',
             '%s · %d cores · kernel %s · %s' % (when, os.cpu_count(), os.uname().release, nft_version), '',
             'N=%d namespaces, each with a veth to the host, a masquerade rule and a port forward (one `inet '
             'linuxnet` table per namespace, its three nat chains as in the floor\'s script); run in the test sandbox.' % n, '',
             '| run | ansible-playbook wall | module |', '|---|---|---|']
    for label, wall, module in rows:
        lines.append('| %s | %.2f s | %s |' % (label, wall, '-' if module is None else '%.2f s' % module))
    base_seconds = base['stats']['seconds']
    lines.extend(['', 'Firewall cost per namespace (module time minus that of the base re-run, divided by N): first run '
                  '%.1f ms, re-run %.1f ms; the `nft -f` floor %.1f ms.' % (
                      1000 * (first['stats']['seconds'] - base_seconds) / n,
                      1000 * (again['stats']['seconds'] - base_seconds) / n, 1000 * floor / n)])
    text = '\n'.join(lines) + '\n'
    sys.stdout.write(text)
    if args.output:
        with open(args.output, 'w') as handle:
            handle.write(text)


if __name__ == '__main__':
    WORK = tempfile.mkdtemp(prefix='lnt-bench-firewall.')
    try:
        main()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
