# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which network namespace a container is in, asked of Docker, Podman, containerd and CRI-O.

Nothing beyond the standard library: Docker's Engine API is spoken over its unix socket with http.client;
Podman, crictl (containerd and CRI-O through the CRI) and ctr (containerd without the CRI) are run as
commands that print JSON. What an answer means (which container owns the namespace, its pid, its namespace
file, whether it is the host's network) is decided by pure functions (parse_* and *_target) that the unit tests
run on captured output.

Private to this collection: may change without notice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import http.client
import json
import os
import re
import socket
import subprocess

from urllib.parse import quote

from ansible.module_utils.common.process import get_bin_path

from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError

RUNTIMES = ('docker', 'podman', 'containerd', 'crio')
LABELS = {'docker': 'Docker', 'podman': 'Podman', 'containerd': 'containerd', 'crio': 'CRI-O'}
DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock'
DEFAULT_CONTAINERD_ADDRESS = '/run/containerd/containerd.sock'
DEFAULT_CONTAINERD_NAMESPACE = 'k8s.io'
DEFAULT_CRIO_ADDRESS = '/var/run/crio/crio.sock'
COMMAND_TIMEOUT = 30
MAX_HOPS = 8  # container:<other> chains longer than this are a loop
PROC_NET_RE = re.compile(r'^/proc/(\d+)/ns/net$')
FULL_ID_RE = re.compile(r'^[0-9a-f]{64}$')
# Running, or paused: a paused container keeps its namespace and its pid.
LIVE_STATES = ('running', 'paused')


class Target(object):
    """Where a container's network namespace is, as its runtime tells it.

    path is the runtime's own handle on the namespace (Docker's SandboxKey, a CRI sandbox's netns path),
    pid a process inside it; either may be missing. container_id names the container (or pod sandbox) that
    owns the namespace, which is not the one asked for when that one shares another's network.
    """

    __slots__ = ('runtime', 'container_id', 'name', 'pid', 'path', 'host_network', 'via', 'kind')

    def __init__(self, runtime, container_id, name, pid=None, path=None, host_network=False, via=None,
                 kind='container'):
        self.runtime = runtime
        self.kind = kind
        self.container_id = container_id
        self.name = name
        self.pid = pid
        self.path = path
        self.host_network = host_network
        self.via = list(via or [])

    def sources(self):
        """Namespace files to open, the runtime's own first: it cannot be a reused pid."""
        paths = []
        if self.path:
            paths.append(self.path)
        if self.pid:
            paths.append('/proc/%d/ns/net' % self.pid)
        return paths

    def describe(self):
        return '%s %s %s' % (LABELS[self.runtime], self.kind, describe_container(self.name, self.container_id))

    def __repr__(self):
        return 'Target(%s)' % ', '.join('%s=%r' % (slot, getattr(self, slot)) for slot in self.__slots__)


class NotFound(Exception):
    """This runtime does not know the container."""


class Unavailable(Exception):
    """This runtime cannot be asked (no socket, no command); param is the option that points at it."""

    def __init__(self, param, msg):
        super(Unavailable, self).__init__(msg)
        self.param = param
        self.msg = msg


def short_id(container_id):
    return (container_id or '')[:12]


def describe_container(name, container_id):
    if name and container_id and not container_id.startswith(name):
        return '%r (%s)' % (name, short_id(container_id))
    return repr(name or short_id(container_id))


def _int(value):
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


# -- Docker-style inspect documents (Docker Engine API, podman container inspect) ----------------------

def parse_docker_inspect(doc):
    """A container from GET /containers/{id}/json (or one item of `podman container inspect`) -> plain dict."""
    if not isinstance(doc, dict):
        raise ValueError('expected a JSON object, got %s' % type(doc).__name__)
    state = doc.get('State') or {}
    pid = _int(state.get('Pid'))
    status = (state.get('Status') or '').lower() or ('running' if state.get('Running') else 'unknown')
    mode = (doc.get('HostConfig') or {}).get('NetworkMode') or ''
    sandbox_key = (doc.get('NetworkSettings') or {}).get('SandboxKey') or None
    return {
        'id': doc.get('Id') or '',
        'name': (doc.get('Name') or '').lstrip('/'),
        'status': status,
        'live': pid > 0 and (bool(state.get('Running')) or bool(state.get('Paused'))) and not state.get('Restarting'),
        'pid': pid or None,
        'network_mode': mode,
        # container:<id or name>: another container owns the namespace (every non-pause container of a pod)
        'shares_with': mode[len('container:'):] if mode.startswith('container:') else None,
        # Docker bind-mounts the host's namespace at .../netns/default for --network host
        'host_network': mode == 'host' or (sandbox_key or '').rstrip('/').endswith('/default'),
        'sandbox_key': sandbox_key,
    }


def follow_shared(runtime, inspect, ref):
    """Inspect ref, then the container whose namespace it shares, until the owner: its Target.

    inspect(ref) returns parse_docker_inspect() of a container or raises NotFound.
    """
    info = inspect(ref)
    via = []
    seen = set()
    while True:
        if not info['live']:
            what = '%s container %s' % (LABELS[runtime], describe_container(info['name'], info['id']))
            if via:
                raise NetnsError('container: %r shares the network namespace of %s, which is not running (status: %s); '
                                 'a stopped container has no network namespace' % (ref, what, info['status']),
                                 param='container', value=ref)
            raise NetnsError('container: %s is not running (status: %s); a stopped container has no network '
                             'namespace, start it first' % (what, info['status']), param='container', value=ref)
        owner = info['shares_with']
        if owner is None:
            break
        if info['id'] in seen or len(via) >= MAX_HOPS:
            raise NetnsError('container: %r: the chain of "container:" network modes loops (%s)'
                             % (ref, '; '.join(via)), param='container', value=ref)
        seen.add(info['id'])
        via.append('shared by container %s through network mode container:%s'
                   % (describe_container(info['name'], info['id']), short_id(owner) if FULL_ID_RE.match(owner) else owner))
        try:
            info = inspect(owner)
        except NotFound:
            raise NetnsError('container: %r shares the network namespace of container %s, which %s does not know '
                             '(removed?)' % (ref, owner, LABELS[runtime]), param='container', value=ref)
    return Target(runtime, info['id'], info['name'], pid=info['pid'], path=info['sandbox_key'],
                  host_network=info['host_network'], via=via)


# -- CRI documents (crictl inspectp / crictl inspect / crictl pods) -------------------------------------

def _spec_network(spec):
    """(has a network namespace entry, its path) of an OCI runtime spec; (None, None) if the spec is missing."""
    if not isinstance(spec, dict) or not isinstance((spec.get('linux') or {}).get('namespaces'), list):
        return None, None
    for namespace in spec['linux']['namespaces']:
        if isinstance(namespace, dict) and namespace.get('type') == 'network':
            return True, namespace.get('path') or None
    return False, None


def parse_cri_pod(doc):
    """`crictl inspectp -o json` of one pod sandbox -> plain dict.

    containerd's info has pid, netNamespaceClosed, config and runtimeSpec; CRI-O's has pid (absent for a
    sandbox without an infra process) and runtimeSpec, whose network entry points at the pinned namespace.
    """
    if not isinstance(doc, dict) or not isinstance(doc.get('status'), dict):
        raise ValueError('expected an object with "status", as crictl inspectp prints')
    status = doc['status']
    info = doc.get('info') if isinstance(doc.get('info'), dict) else {}
    metadata = status.get('metadata') or {}
    options = ((status.get('linux') or {}).get('namespaces') or {}).get('options') or {}
    # NamespaceMode NODE (2): the pod uses the node's network (hostNetwork: true)
    host = options.get('network') in ('NODE', 2)
    config = info.get('config') or {}
    config_options = (((config.get('linux') or {}).get('security_context') or {}).get('namespace_options') or {})
    if config_options.get('network') in ('NODE', 2):
        host = True
    has_network, path = _spec_network(info.get('runtimeSpec'))
    if has_network is False:
        # a spec without a network namespace runs in the host's
        host = True
    return {
        'id': status.get('id') or '',
        'name': metadata.get('name') or '',
        'namespace': metadata.get('namespace') or '',
        'state': status.get('state') or 'unknown',
        'ready': status.get('state') == 'SANDBOX_READY',
        'host_network': host,
        'path': path,
        'pid': _int(info.get('pid')) or None,
        'closed': bool(info.get('netNamespaceClosed')),
    }


def cri_pod_target(runtime, pod, via=None):
    name = '%s/%s' % (pod['namespace'], pod['name']) if pod['namespace'] else pod['name']
    what = '%s pod %s' % (LABELS[runtime], describe_container(name, pod['id']))
    if not pod['ready']:
        raise NetnsError('container: %s is not ready (state: %s); a stopped pod has no network namespace'
                         % (what, pod['state']), param='container', value=pod['id'])
    if pod['closed']:
        raise NetnsError('container: the network namespace of %s is already closed' % what,
                         param='container', value=pod['id'])
    if not (pod['host_network'] or pod['path'] or pod['pid']):
        raise NetnsError('container: crictl inspectp shows neither a namespace path nor a pid for %s' % what,
                         param='container', value=pod['id'])
    return Target(runtime, pod['id'], name, pid=pod['pid'], path=pod['path'],
                  host_network=pod['host_network'], via=via, kind='pod')


def parse_cri_container(doc):
    """`crictl inspect -o json` of one container -> plain dict (its pod is info.sandboxID)."""
    if not isinstance(doc, dict) or not isinstance(doc.get('status'), dict):
        raise ValueError('expected an object with "status", as crictl inspect prints')
    status = doc['status']
    info = doc.get('info') if isinstance(doc.get('info'), dict) else {}
    labels = status.get('labels') or {}
    return {
        'id': status.get('id') or '',
        'name': (status.get('metadata') or {}).get('name') or '',
        'state': status.get('state') or 'unknown',
        'running': status.get('state') == 'CONTAINER_RUNNING',
        'sandbox_id': info.get('sandboxID') or '',
        'pod': '%s/%s' % (labels.get('io.kubernetes.pod.namespace', ''), labels.get('io.kubernetes.pod.name', '')),
    }


def parse_cri_pod_list(doc, name, namespace=None):
    """Ids of the pods named exactly name (crictl pods --name filters by regular expression)."""
    items = doc.get('items') if isinstance(doc, dict) else None
    found = []
    for item in items or []:
        metadata = item.get('metadata') or {}
        if metadata.get('name') != name or (namespace is not None and metadata.get('namespace') != namespace):
            continue
        found.append((item.get('state') == 'SANDBOX_READY', item.get('id'), metadata.get('namespace')))
    # a pod that was re-created leaves NOTREADY sandboxes of the same name behind: the ready one is meant
    ready = [entry for entry in found if entry[0]]
    return [(pod_id, pod_namespace) for _ready, pod_id, pod_namespace in (ready or found)]


# -- containerd without the CRI (ctr) -----------------------------------------------------------------

def parse_ctr_container(doc):
    """`ctr containers info ID` -> plain dict: the network namespace of its OCI spec."""
    if not isinstance(doc, dict) or not doc.get('ID'):
        raise ValueError('expected an object with "ID", as ctr containers info prints')
    has_network, path = _spec_network(doc.get('Spec'))
    return {'id': doc['ID'], 'host_network': has_network is False, 'path': path}


def parse_ctr_tasks(text):
    """`ctr tasks ls` (TASK PID STATUS columns) -> {container id: (pid, status)}."""
    tasks = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[1].isdigit():
            tasks[fields[0]] = (int(fields[1]), fields[2].lower())
    return tasks


def ctr_target(container, tasks):
    """The Target of a containerd container from its spec and the task list.

    A spec network entry without a path is a namespace of its own (the task's); one with /proc/PID/ns/net joins
    the namespace of another task (the CRI does this for every container of a pod), which owns it.
    """
    pid, status = tasks.get(container['id'], (0, 'no task'))
    if pid <= 0 or status not in LIVE_STATES:
        raise NetnsError('container: containerd container %r has no running task (status: %s); a stopped container '
                         'has no network namespace' % (container['id'], status), param='container',
                         value=container['id'])
    owner_id = container['id']
    owner_pid = pid
    via = []
    match = PROC_NET_RE.match(container['path'] or '')
    if match:
        owner_pid = int(match.group(1))
        for task_id, (task_pid, _status) in sorted(tasks.items()):
            if task_pid == owner_pid and task_id != container['id']:
                owner_id = task_id
                via.append('shared by container %r' % container['id'])
                break
    path = None if match else container['path']
    return Target('containerd', owner_id, owner_id, pid=owner_pid, path=path,
                  host_network=container['host_network'], via=via)


# -- talking to the runtimes ---------------------------------------------------------------------------

def run_command(argv, timeout=COMMAND_TIMEOUT):
    """Run argv; (rc, stdout, stderr) as text. Raises OSError if it cannot be started."""
    env = dict(os.environ, LC_ALL='C', LANG='C')
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, close_fds=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise NetnsError('%s did not finish within %d seconds' % (' '.join(argv), timeout))
    return proc.returncode, out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace')


def find_command(name, param='runtime'):
    try:
        return get_bin_path(name)
    except ValueError:
        raise Unavailable(param, '%s not found on the target (looked in PATH and the sbin directories)' % name)


def has_command(name):
    try:
        get_bin_path(name)
    except ValueError:
        return False
    return True


def _load_json(text, what):
    try:
        return json.loads(text)
    except ValueError as exc:
        raise NetnsError('container: cannot parse the output of %s: %s' % (what, exc))


def _last_line(text):
    """The message of a failed command: CLIs print warnings first and the error last."""
    lines = [line.strip() for line in (text or '').strip().splitlines() if line.strip()]
    return lines[-1] if lines else '(no message)'


def unix_socket_path(value, param):
    """'unix:///run/x.sock' or '/run/x.sock' -> '/run/x.sock'; anything else is refused."""
    text = value or ''
    if text.startswith('unix://'):
        text = text[len('unix://'):]
    if not text.startswith('/'):
        raise ParameterError(param, value, 'must be a local unix socket, unix:///path or /path '
                             '(the container must run on this host for its namespace to be attached)')
    return text


class _UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a unix socket, which is all the Engine API needs."""

    def __init__(self, socket_path, timeout):
        http.client.HTTPConnection.__init__(self, 'localhost', timeout=timeout)
        self.socket_path = socket_path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.socket_path)
        except Exception:
            sock.close()
            raise
        self.sock = sock


class Docker(object):
    runtime = 'docker'

    def __init__(self, host, timeout=COMMAND_TIMEOUT):
        self.host = host
        self.timeout = timeout
        try:
            self.socket_path = unix_socket_path(host, 'docker_host')
        except ParameterError as exc:
            raise Unavailable('docker_host', exc.msg)

    def where(self):
        return 'Docker at %s' % self.host

    def get(self, url):
        connection = _UnixHTTPConnection(self.socket_path, self.timeout)
        try:
            connection.request('GET', url, headers={'Accept': 'application/json'})
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, 'strerror', None) or str(exc) or type(exc).__name__
            if getattr(exc, 'errno', None) == errno.ENOENT:
                reason = 'no such socket (%s does not exist)' % self.socket_path
            raise Unavailable('docker_host', 'cannot reach the Docker daemon at %s: %s' % (self.host, reason))
        finally:
            connection.close()

    def inspect(self, ref):
        # the API's own names start with "/" ("/web"); the URL takes them without
        status, body = self.get('/containers/%s/json' % quote(ref.lstrip('/'), safe=''))
        if status == 404:
            raise NotFound('no such container')
        if status != 200:
            try:
                message = json.loads(body).get('message')
            except (ValueError, AttributeError):
                message = None
            raise NetnsError('container: the Docker daemon at %s answered HTTP %d for %r: %s'
                             % (self.host, status, ref, message or body[:200].decode('utf-8', 'replace')),
                             param='container', value=ref)
        try:
            return parse_docker_inspect(json.loads(body))
        except ValueError as exc:
            raise NetnsError('container: cannot parse the Docker daemon\'s answer for %r: %s' % (ref, exc))

    def lookup(self, ref):
        return follow_shared('docker', self.inspect, ref)


class Podman(object):
    runtime = 'podman'

    def __init__(self, executable='podman', url=None, run=run_command):
        self.executable = executable
        self.url = url
        self.run = run

    def where(self):
        return 'Podman' + (' at %s' % self.url if self.url else '')

    def call(self, *args):
        argv = [find_command(self.executable, 'podman_executable')]
        if self.url:
            argv.extend(['--url', self.url])
        argv.extend(args)
        rc, out, err = self.run(argv)
        if rc != 0:
            message = _last_line(err)
            if 'no such container' in message.lower() or 'no such pod' in message.lower():
                raise NotFound(message)
            if self.url and ('connect' in message.lower() or 'connection' in message.lower()):
                raise Unavailable('podman_url', 'cannot reach the Podman service at %s: %s' % (self.url, message))
            raise NetnsError('container: podman %s failed: %s' % (' '.join(args), message))
        return _load_json(out, 'podman ' + ' '.join(args))

    def inspect(self, ref):
        docs = self.call('container', 'inspect', '--format', 'json', ref)
        if not isinstance(docs, list) or not docs:
            raise NotFound('no such container')
        try:
            return parse_docker_inspect(docs[0])
        except ValueError as exc:
            raise NetnsError('container: cannot parse podman container inspect %s: %s' % (ref, exc))

    def lookup(self, ref):
        try:
            return follow_shared('podman', self.inspect, ref)
        except NotFound:
            pass
        # a pod: its containers share the network namespace of its infra container
        try:
            doc = self.call('pod', 'inspect', '--format', 'json', ref)
        except NotFound:
            raise NotFound('no such container or pod')
        if isinstance(doc, list):
            doc = doc[0] if doc else {}
        infra = (doc or {}).get('InfraContainerID')
        if not infra:
            raise NetnsError('container: podman pod %r has no infra container, so its containers share no network '
                             'namespace; name one of its containers instead' % ref, param='container', value=ref)
        target = follow_shared('podman', self.inspect, infra)
        target.via.insert(0, 'the infra container of pod %r' % ref)
        return target


class Crictl(object):
    """A CRI runtime (containerd's CRI plugin, CRI-O) through crictl."""

    def __init__(self, runtime, address, param, run=run_command):
        self.runtime = runtime
        self.address = address
        self.param = param
        self.run = run
        self.endpoint = 'unix://' + unix_socket_path(address, param)

    def call(self, *args):
        argv = [find_command('crictl'), '--runtime-endpoint', self.endpoint, '--timeout', '10s']
        argv.extend(args)
        rc, out, err = self.run(argv)
        if rc != 0:
            message = _last_line(err)
            lowered = message.lower()
            if 'notfound' in lowered or 'not found' in lowered or 'does not exist' in lowered:
                raise NotFound(message)
            if 'unknown service' in lowered or 'connect' in lowered or 'unimplemented' in lowered:
                raise Unavailable(self.param, 'crictl cannot talk to %s at %s: %s'
                                  % (LABELS[self.runtime], self.endpoint, message))
            raise NetnsError('container: crictl %s failed: %s' % (' '.join(args), message))
        return _load_json(out, 'crictl ' + ' '.join(args))

    def pod(self, pod_id):
        try:
            return parse_cri_pod(self.call('inspectp', '-o', 'json', pod_id))
        except ValueError as exc:
            raise NetnsError('container: cannot parse crictl inspectp %s: %s' % (pod_id, exc))

    def lookup(self, ref):
        try:
            return cri_pod_target(self.runtime, self.pod(ref))
        except NotFound:
            pass
        try:
            container = parse_cri_container(self.call('inspect', '-o', 'json', ref))
        except NotFound:
            container = None
        except ValueError as exc:
            raise NetnsError('container: cannot parse crictl inspect %s: %s' % (ref, exc))
        if container is not None:
            what = '%s container %s of pod %s' % (LABELS[self.runtime],
                                                  describe_container(container['name'], container['id']),
                                                  container['pod'])
            if not container['running']:
                raise NetnsError('container: %s is not running (state: %s); name its pod (sandbox %s) to attach '
                                 'the pod\'s network namespace' % (what, container['state'],
                                                                   short_id(container['sandbox_id'])),
                                 param='container', value=ref)
            try:
                pod = self.pod(container['sandbox_id'])
            except NotFound:
                raise NetnsError('container: the pod sandbox %s of %s is gone' % (container['sandbox_id'], what),
                                 param='container', value=ref)
            return cri_pod_target(self.runtime, pod, via=['the pod of container %s' % describe_container(
                container['name'], container['id'])])
        # a pod name, or NAMESPACE/NAME
        namespace, _sep, name = ref.rpartition('/')
        args = ['pods', '--name', '^%s$' % re.escape(name), '-o', 'json']
        if namespace:
            args[3:3] = ['--namespace', '^%s$' % re.escape(namespace)]
        pods = parse_cri_pod_list(self.call(*args), name, namespace or None)
        if not pods:
            raise NotFound('no pod or container %r' % ref)
        if len(pods) > 1:
            raise NetnsError('container: %r names %d pods (in namespaces %s); give NAMESPACE/NAME or the pod id'
                             % (ref, len(pods), ', '.join(sorted(p[1] or '?' for p in pods))),
                             param='container', value=ref)
        return cri_pod_target(self.runtime, self.pod(pods[0][0]))


class Ctr(object):
    """containerd without the CRI: ctr containers info (the OCI spec) and ctr tasks ls (the pids)."""

    def __init__(self, address, namespace, run=run_command):
        self.address = unix_socket_path(address, 'containerd_address')
        self.namespace = namespace
        self.run = run

    def call(self, *args):
        argv = [find_command('ctr'), '--address', self.address, '--namespace', self.namespace]
        argv.extend(args)
        rc, out, err = self.run(argv)
        if rc != 0:
            message = _last_line(err)
            if 'not found' in message.lower():
                raise NotFound(message)
            if 'connect' in message.lower():
                raise Unavailable('containerd_address', 'ctr cannot reach containerd at %s: %s'
                                  % (self.address, message))
            raise NetnsError('container: ctr %s failed: %s' % (' '.join(args), message))
        return out

    def lookup(self, ref):
        try:
            container = parse_ctr_container(_load_json(self.call('containers', 'info', ref), 'ctr containers info'))
        except NotFound:
            raise NotFound('no such container in containerd namespace %s' % self.namespace)
        except ValueError as exc:
            raise NetnsError('container: cannot parse ctr containers info %s: %s' % (ref, exc))
        return ctr_target(container, parse_ctr_tasks(self.call('tasks', 'ls')))


class Containerd(object):
    """containerd: through the CRI with crictl where it is installed (Kubernetes pods), else with ctr."""

    runtime = 'containerd'

    def __init__(self, address, namespace, run=run_command):
        self.address = address
        self.socket_path = unix_socket_path(address, 'containerd_address')
        self.namespace = namespace
        self.run = run

    def where(self):
        return 'containerd at %s (namespace %s)' % (self.socket_path, self.namespace)

    def lookup(self, ref):
        if not os.path.exists(self.socket_path):
            raise Unavailable('containerd_address', 'no containerd socket at %s' % self.socket_path)
        clients = []
        if has_command('crictl'):
            clients.append(Crictl('containerd', self.socket_path, 'containerd_address', run=self.run))
        if has_command('ctr'):
            clients.append(Ctr(self.socket_path, self.namespace, run=self.run))
        if not clients:
            raise Unavailable('runtime', 'containerd is asked through crictl or ctr, and neither was found on the target')
        reasons = []
        unknown = False
        for client in clients:
            try:
                return client.lookup(ref)
            except NotFound as exc:
                unknown = True
                reasons.append(str(exc))
            except Unavailable as exc:
                reasons.append(exc.msg)
        if not unknown:
            raise Unavailable('containerd_address', '; '.join(reasons))
        raise NotFound('; '.join(reasons))


class Crio(object):
    runtime = 'crio'

    def __init__(self, address, run=run_command):
        self.socket_path = unix_socket_path(address, 'crio_address')
        self.run = run

    def where(self):
        return 'CRI-O at %s' % self.socket_path

    def lookup(self, ref):
        if not os.path.exists(self.socket_path):
            raise Unavailable('crio_address', 'no CRI-O socket at %s' % self.socket_path)
        return Crictl('crio', self.socket_path, 'crio_address', run=self.run).lookup(ref)


def engine(runtime, settings, run=run_command):
    """The client of one runtime, from the module's options."""
    if runtime == 'docker':
        return Docker(settings.get('docker_host') or DEFAULT_DOCKER_HOST)
    if runtime == 'podman':
        return Podman(settings.get('podman_executable') or 'podman', settings.get('podman_url'), run=run)
    if runtime == 'containerd':
        return Containerd(settings.get('containerd_address') or DEFAULT_CONTAINERD_ADDRESS,
                          settings.get('containerd_namespace') or DEFAULT_CONTAINERD_NAMESPACE, run=run)
    if runtime == 'crio':
        return Crio(settings.get('crio_address') or DEFAULT_CRIO_ADDRESS, run=run)
    raise ParameterError('runtime', runtime, 'must be one of auto, %s' % ', '.join(RUNTIMES))


def resolve(ref, runtime='auto', settings=None, run=run_command):
    """The Target of container ref: with runtime auto, from the first runtime that knows it."""
    settings = settings or {}
    order = RUNTIMES if runtime == 'auto' else (runtime,)
    misses = []
    for name in order:
        try:
            client = engine(name, settings, run=run)
            return client.lookup(ref)
        except NotFound as exc:
            if runtime != 'auto':
                raise NetnsError('container: %s does not know a container %r (%s)' % (client.where(), ref, exc),
                                 param='container', value=ref)
            misses.append('%s: %s' % (client.where(), exc))
        except Unavailable as exc:
            if runtime != 'auto':
                raise NetnsError('%s: %s' % (exc.param, exc.msg), param=exc.param, value=ref)
            misses.append('%s: %s' % (LABELS[name], exc.msg))
        except OSError as exc:
            raise NetnsError('container: cannot ask %s about %r: %s' % (LABELS[name], ref, exc),
                             param='container', value=ref)
    raise NetnsError('container: no runtime knows a container %r (%s)' % (ref, '; '.join(misses)),
                     param='container', value=ref)
