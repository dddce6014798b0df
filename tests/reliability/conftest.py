# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared fixtures of the reliability suites: a prefix, clean-up, running modules as processes,
kernel snapshots and the figures the suites report."""

import json
import os
import random
import string
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, '.build', 'collections')
MODULES = os.path.join(ROOT, 'plugins', 'modules')
PYTHON = sys.executable
FIGURES = os.environ.get('LNT_FIGURES')
FULL = os.environ.get('LNT_FULL') == '1'

sys.path.insert(0, COLLECTIONS)


def figure(name, value):
    """Add a figure (a count, a duration) to the report the suite runner renders."""
    if not FIGURES:
        return
    data = {}
    if os.path.exists(FIGURES) and os.path.getsize(FIGURES):
        with open(FIGURES) as handle:
            data = json.load(handle)
    if isinstance(value, (int, float)) and isinstance(data.get(name), (int, float)):
        value = data[name] + value
    data[name] = value
    with open(FIGURES, 'w') as handle:
        json.dump(data, handle, indent=1, sort_keys=True)


def run_module(module, args, check_mode=False, diff=False, timeout=120, background=False):
    """Run a module file as its own process, the way AnsiballZ finally runs it: args from a JSON file."""
    payload = dict(args)
    payload['_ansible_check_mode'] = check_mode
    payload['_ansible_diff'] = diff
    payload['_ansible_tmpdir'] = None
    path = '/tmp/lnt-args-%s-%s.json' % (os.getpid(), ''.join(random.choice(string.ascii_lowercase) for dummy in range(8)))
    with open(path, 'w') as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': payload}, handle)
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    cmd = [PYTHON, os.path.join(MODULES, module + '.py'), path]
    if background:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        proc.args_file = path
        return proc
    try:
        proc = subprocess.run(cmd, check=False, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=timeout)
    finally:
        os.unlink(path)
    return parse_result(proc.returncode, proc.stdout, proc.stderr)


def parse_result(returncode, stdout, stderr):
    text = stdout.decode(errors='replace')
    try:
        result = json.loads(text[text.index('{'):])
    except ValueError:
        result = {'failed': True, 'msg': 'no JSON result', 'stdout': text, 'stderr': stderr.decode(errors='replace')}
    result['rc'] = returncode
    return result


def sh(cmd, check=True):
    proc = subprocess.run(cmd, shell=True, check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    if check and proc.returncode:
        raise AssertionError('%s failed: %s' % (cmd, proc.stdout))
    return proc.stdout


def netns_names(prefix=None):
    try:
        names = sorted(os.listdir('/run/netns'))
    except OSError:
        return []
    return [name for name in names if prefix is None or name.startswith(prefix)]


def snapshot(prefix):
    """Everything bad input must leave byte-for-byte unchanged: /run/netns (names, kinds, inodes, targets),
    the host's and each test namespace's links, addresses and routes, /etc/netns and the ownership records.

    Objects of other concurrent test runs (other lnt* prefixes) are left out.
    """
    def ours(text):
        return '\n'.join(line for line in text.splitlines() if 'lnt' not in line or prefix in line)
    parts = [ours(sh('ls -lani --time-style=+ /run/netns 2>/dev/null | tail -n +2', check=False))]
    parts.append(ours(sh('ls -la --time-style=+ /etc/netns 2>/dev/null | tail -n +2', check=False)))
    for cmd in ('ip -d -o link show', 'ip -o addr show', 'ip route show table all', 'ip -6 route show table all'):
        parts.append(ours(sh(cmd)))
        for name in netns_names(prefix):
            parts.append(sh('ip -n %s %s' % (name, cmd.split(' ', 1)[1]), check=False))
    return '\n--\n'.join(parts)


def cleanup(prefix):
    for name in netns_names(prefix):
        subprocess.call(['ip', 'netns', 'delete', name], stderr=subprocess.DEVNULL)
        path = os.path.join('/run/netns', name)
        if os.path.lexists(path) and not os.path.isdir(path):
            os.unlink(path)
    links = sh('ip -o link show')
    for line in links.splitlines():
        name = line.split(': ')[1].split('@')[0]
        if name.startswith(prefix):
            subprocess.call(['ip', 'link', 'delete', name], stderr=subprocess.DEVNULL)
    sh('rm -rf /etc/netns/%s* /tmp/%s* /run/linuxnet-netns/symlinks/%s*' % (prefix, prefix, prefix), check=False)


@pytest.fixture
def prefix():
    value = 'lnt' + ''.join(random.choice(string.ascii_lowercase + string.digits) for dummy in range(6))
    yield value
    cleanup(value)
