# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark of discovery: netns_info with unnamed=true and owners=true over N namespaces held by processes and
containers, in one call.

The N namespaces: Docker containers and Podman containers of the private engines of tests/engines/start.sh
(each on --network none, so a namespace of its own), and for the rest `unshare --net` processes. Measured, each
several times, the median reported:
  module        the netns_info module run as Ansible runs it on a target (a Python process given its arguments in
                a file), from start to exit: interpreter, imports, /proc, the runtimes, the JSON result
  in process    _info.gather alone, in this process (the module's work without interpreter and imports)
  default call  the module without the new options (entries under /run/netns only), for comparison
  ad hoc        `ansible localhost -m linuxnet.netns.netns_info -a "unnamed=true owners=true"`, once
and checks that every namespace made is listed once, the containers' with their container as owner.

    python3 bench/discovery.py [--namespaces 500] [--docker 100] [--podman 100] [--runs 5] [--output FILE]

It runs itself inside tests/sandbox.sh (everything it makes exists there only) and removes what it made, also on
failure. Results: bench/results/discovery.md (--output), and on stdout.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, '.build', 'collections')
VENV_PYTHON = os.path.join(ROOT, '.venv', 'bin', 'python')
SANDBOX_MARKER = '/run/linuxnet-netns-sandbox'
ENGINES_ENV = '/run/lnt-engines/env'
MODULE = os.path.join(ROOT, 'plugins', 'modules', 'netns_info.py')
PREFIX = 'lnbdisc'
TARGET_SECONDS = 2.0
PARALLEL_STARTS = 4  # containers started at once (the engines take about half a second each)


def log(message):
    print('[discovery] %s' % message, file=sys.stderr, flush=True)


def run(argv, env=None, check=True, **kwargs):
    return subprocess.run(argv, env=env, check=check, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kwargs)


def engines_env():
    with open(ENGINES_ENV) as handle:
        return dict(line.split('=', 1) for line in handle.read().splitlines() if '=' in line)


def start_containers(engine, count, env, image):
    """count containers of docker or podman, PARALLEL_STARTS at a time; their ids."""
    names = ['%s-%s%d' % (PREFIX, engine, i) for i in range(count)]
    script = '%s run -d --name "$1" --network none %s sleep 3600' % (engine, image)
    run(['xargs', '-P', str(PARALLEL_STARTS), '-n', '1', 'sh', '-c', script + ' >/dev/null', '-'],
        env=env, input='\n'.join(names) + '\n')
    return names


def remove_containers(env):
    for engine, extra in (('docker', []), ('podman', ['-t', '0'])):
        listed = run([engine, 'ps', '-aq', '--filter', 'name=^/?%s' % PREFIX], env=env, check=False).stdout.split()
        if listed:
            run([engine, 'rm', '-f'] + extra + listed, env=env, check=False)


def start_processes(count):
    processes = [subprocess.Popen(['unshare', '--net', '--fork', '--kill-child', 'sleep', '3600'],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for dummy in range(count)]
    host = os.stat('/proc/self/ns/net').st_ino
    deadline = time.time() + 60
    for process in processes:
        while time.time() < deadline:
            try:
                if os.stat('/proc/%d/ns/net' % process.pid).st_ino != host:
                    break
            except OSError:
                pass
            time.sleep(0.01)
    return processes


def module_seconds(args_file, env):
    """Wall time of one module process, as Ansible starts it on a target: python MODULE ARGS_FILE."""
    start = time.perf_counter()
    done = run([VENV_PYTHON, MODULE, args_file], env=env, check=False)
    seconds = time.perf_counter() - start
    result = json.loads(done.stdout)
    if result.get('failed'):
        raise SystemExit('netns_info failed: %s' % result.get('msg'))
    return seconds, result


def in_process_seconds(params):
    sys.path.insert(0, COLLECTIONS)
    from ansible_collections.linuxnet.netns.plugins.module_utils import _discovery as discovery
    from ansible_collections.linuxnet.netns.plugins.module_utils import _info as info
    settings = dict((key, params.get(key)) for key in ('docker_host', 'podman_executable', 'podman_url',
                                                       'containerd_address', 'containerd_namespace', 'crio_address'))
    start = time.perf_counter()
    with discovery.DiscoverySession(check_mode=True) as session:
        info.gather(session, unnamed=True, owners=True, runtimes=params['runtimes'], settings=settings)
    return time.perf_counter() - start


def check(result, docker, podman, processes):
    """Every namespace made is listed once; a container's has it as owner; a process's has the process."""
    by_inode = {}
    for item in result['namespaces']:
        if item.get('netns_inode') is not None:
            by_inode.setdefault(item['netns_inode'], []).append(item)
    problems = []
    owners = {}
    for item in result['namespaces']:
        owner = item.get('owner') or {}
        if owner.get('kind') == 'container':
            owners[owner['name']] = item
    for name in docker + podman:
        if name not in owners:
            problems.append('no namespace owned by container %s' % name)
    for process in processes:
        inode = os.stat('/proc/%d/ns/net' % process.pid).st_ino
        items = by_inode.get(inode, [])
        if len(items) != 1 or process.pid not in items[0]['pids']:
            problems.append('process %d: %d items' % (process.pid, len(items)))
    duplicated = [inode for inode, items in by_inode.items() if len(items) > 1]
    if duplicated:
        problems.append('namespaces listed twice: %s' % duplicated[:5])
    return problems


def machine(env):
    with open('/proc/cpuinfo') as handle:
        cores = sum(1 for line in handle if line.startswith('processor'))
    versions = run([VENV_PYTHON, '-c', 'import ansible, sys; print(sys.version.split()[0], ansible.__version__)'])
    python, ansible = versions.stdout.split()
    return '%d cores, %s, kernel %s · Python %s · ansible-core %s · %s · %s' % (
        cores, platform.machine(), platform.release(), python, ansible,
        run(['docker', 'version', '--format', 'Docker {{.Server.Version}}'], env=env, check=False).stdout.strip() or 'Docker ?',
        run(['podman', '--version'], env=env, check=False).stdout.strip() or 'podman ?')


def report(args, figures, listed, problems, env):
    median = dict((key, statistics.median(values)) for key, values in figures.items() if key != 'adhoc')
    lines = [
        '%s · %s' % (datetime.datetime.now().strftime('%Y-%m-%d %H:%M'), machine(env)),
        '',
        'netns_info with `unnamed: true` and `owners: true` in one call, %d namespaces made: %d Docker containers, '
        '%d Podman containers, %d `unshare --net` processes (%d namespaces listed in all, the host\'s and the '
        'engines\' own included; %d containers). Median of %d runs; the target is under %.0f s of module time.'
        % (args.namespaces, args.docker, args.podman, args.namespaces - args.docker - args.podman,
           listed['namespaces'], listed['containers'], args.runs, TARGET_SECONDS),
        '',
        '| what | seconds |',
        '|---|---|',
        '| module (a Python process from start to exit, as on a target) | %.2f |' % median['module'],
        '| of which the module\'s work (`_info.gather` in process) | %.2f |' % median['in_process'],
        '| the default call (no new option) | %.2f |' % median['default'],
        '| ad hoc `ansible localhost -m linuxnet.netns.netns_info -a "unnamed=true owners=true"`, wall | %.2f |'
        % figures['adhoc'][0],
        '',
        'Checks: %s.' % ('every namespace made is listed once, each container\'s with its container as owner'
                         if not problems else '; '.join(problems)),
    ]
    return '\n'.join(lines) + '\n', median['module']


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--namespaces', type=int, default=500)
    parser.add_argument('--docker', type=int, default=100)
    parser.add_argument('--podman', type=int, default=100)
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--output', default=os.path.join(ROOT, 'bench', 'results', 'discovery.md'))
    args = parser.parse_args()
    if not os.path.exists(SANDBOX_MARKER):
        os.execv(os.path.join(ROOT, 'tests', 'sandbox.sh'),
                 [os.path.join(ROOT, 'tests', 'sandbox.sh'), VENV_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])
    if args.docker + args.podman > args.namespaces:
        parser.error('more containers than namespaces')
    own_engines = not os.path.exists(ENGINES_ENV)
    if own_engines:
        log('starting the private engines (tests/engines/start.sh)')
        run([os.path.join(ROOT, 'tests', 'engines', 'start.sh')])
    settings = engines_env()
    env = dict(os.environ, **dict((key, settings[key]) for key in ('DOCKER_HOST', 'CONTAINERS_CONF',
                                                                   'CONTAINERS_STORAGE_CONF')))
    env['PYTHONPATH'] = COLLECTIONS
    processes = []
    work = tempfile.mkdtemp(prefix='lnb-discovery.')
    try:
        log('%d Docker containers' % args.docker)
        docker = start_containers('docker', args.docker, env, settings['LNT_DOCKER_IMAGE'])
        log('%d Podman containers' % args.podman)
        podman = start_containers('podman', args.podman, env, settings['LNT_PODMAN_IMAGE'])
        log('%d unshare --net processes' % (args.namespaces - args.docker - args.podman))
        processes = start_processes(args.namespaces - args.docker - args.podman)
        params = {'unnamed': True, 'owners': True, 'runtimes': ['docker', 'podman', 'containerd', 'crio'],
                  'docker_host': settings['DOCKER_HOST'], 'containerd_address': settings['CONTAINERD_ADDRESS'],
                  'containerd_namespace': settings['CONTAINERD_NAMESPACE']}
        args_file = os.path.join(work, 'args.json')
        with open(args_file, 'w') as handle:
            json.dump({'ANSIBLE_MODULE_ARGS': params}, handle)
        default_file = os.path.join(work, 'default.json')
        with open(default_file, 'w') as handle:
            json.dump({'ANSIBLE_MODULE_ARGS': {}}, handle)
        figures = {'module': [], 'in_process': [], 'default': []}
        result = None
        for index in range(args.runs):
            seconds, result = module_seconds(args_file, env)
            figures['module'].append(seconds)
            figures['default'].append(module_seconds(default_file, env)[0])
            figures['in_process'].append(in_process_seconds(params))
            log('run %d: module %.2f s' % (index + 1, seconds))
        start = time.perf_counter()
        adhoc_env = dict(env, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_LOCALHOST_WARNING='false')
        run([os.path.join(ROOT, '.venv', 'bin', 'ansible'), 'localhost', '-m', 'linuxnet.netns.netns_info', '-a',
             'unnamed=true owners=true'], env=adhoc_env)
        figures['adhoc'] = [time.perf_counter() - start]
        problems = check(result, docker, podman, processes)
        listed = {'namespaces': len(result['namespaces']), 'containers': len(result['containers'])}
        text, module = report(args, figures, listed, problems, env)
        with open(args.output, 'w') as handle:
            handle.write(text)
        print(text)
        log('written to %s' % args.output)
        if problems:
            return 1
        return 0 if module < TARGET_SECONDS else 2
    finally:
        for process in processes:
            process.kill()
        for process in processes:
            process.wait()
        remove_containers(env)
        if own_engines:
            run([os.path.join(ROOT, 'tests', 'engines', 'stop.sh')], check=False)
        run(['rm', '-rf', work], check=False)


if __name__ == '__main__':
    sys.exit(main())
