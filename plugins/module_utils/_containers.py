# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What container runtimes answer, and what it means: which container owns a network namespace, its pid, its
namespace file, whether it is the host's network. Pure functions (parse_* and *_target) on the runtimes'
JSON, which the unit tests run on captured output; _engines asks the runtimes.

Private to this collection: may change without notice.
"""

import re

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


class Target:
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


def unix_socket_path(value, param):
    """'unix:///run/x.sock' or '/run/x.sock' -> '/run/x.sock'; anything else is refused."""
    text = value or ''
    if text.startswith('unix://'):
        text = text[len('unix://'):]
    if not text.startswith('/'):
        raise ParameterError(param, value, 'must be a local unix socket, unix:///path or /path '
                             '(the container must run on this host for its namespace to be attached)')
    return text
