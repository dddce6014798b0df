# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What container runtimes answer, and what it means: which container owns a network namespace, its pid, its
namespace file, whether it is the host's network. Pure functions (parse_* and *_target) on the runtimes'
JSON, which the unit tests run on captured output; _engines asks the runtimes.

Private to this collection: may change without notice.
"""

import json
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
PID_UNKNOWN = 1 << 62  # sorts after every real pid


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


def pod_of(labels):
    """'namespace/name' of the Kubernetes pod a container belongs to, from the labels the kubelet's runtimes set."""
    labels = labels if isinstance(labels, dict) else {}
    name = labels.get('io.kubernetes.pod.name')
    if not name:
        return None
    namespace = labels.get('io.kubernetes.pod.namespace')
    return '%s/%s' % (namespace, name) if namespace else name


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
    config = doc.get('Config') or {}
    labels = config.get('Labels') or {}
    return {
        'id': doc.get('Id') or '',
        'name': (doc.get('Name') or '').lstrip('/'),
        # Docker keeps the name the image was asked by in Config.Image (Image is its digest); Podman in ImageName
        'image': doc.get('ImageName') or config.get('Image') or None,
        'pod': pod_of(labels),
        # a pod's infra container (Podman), or the pause container of a pod made by cri-dockerd
        'infra': bool(doc.get('IsInfra')) or labels.get('io.kubernetes.docker.type') == 'podsandbox',
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
        'image': info.get('image') or None,  # the pause image (containerd; CRI-O says it too)
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


# -- listings: every running container of a runtime, in one shape -------------------------------------

def record(runtime, info, kind='container'):
    """One running container, or a CRI pod sandbox (kind pod), as netns_info lists it.

    info is what a parse_* function read: id, name, and what the runtime said of image, pid, path (its own handle
    on the namespace: a SandboxKey, a CRI netns path), network_mode, shares_with (the id of the container or pod
    whose namespace it joined), host_network (None: not said; the namespace's identity decides), infra, pod.
    """
    return {
        'runtime': runtime, 'kind': kind, 'id': info.get('id') or '', 'name': info.get('name') or '',
        'image': info.get('image') or None, 'pid': info.get('pid') or None,
        'path': info.get('sandbox_key') or info.get('path') or None,
        'network_mode': info.get('network_mode') or None, 'shares_with': info.get('shares_with') or None,
        'host_network': info.get('host_network'), 'infra': bool(info.get('infra')), 'pod': info.get('pod') or None,
    }


def docker_list_ids(doc):
    """The ids of GET /containers/json (the running containers), in the daemon's order."""
    if not isinstance(doc, list):
        raise ValueError('expected a JSON list, as GET /containers/json answers')
    return [item['Id'] for item in doc if isinstance(item, dict) and item.get('Id')]


def parse_podman_ps(doc):
    """`podman ps --ns --format json` (the running containers) -> records, with the inode of each one's network
    namespace as podman saw it (netns_inode), which groups the containers that share one.

    The members of a Podman pod share the namespace of its infra container; who shares with whom outside pods
    (--network container:X) is not in this listing: podman_ambiguous() says which ones to inspect.
    """
    if not isinstance(doc, list):
        raise ValueError('expected a JSON list, as podman ps --format json prints')
    infra_of_pod = dict((item.get('Pod'), item.get('Id')) for item in doc
                        if isinstance(item, dict) and item.get('IsInfra') and item.get('Pod'))
    records = []
    for item in doc:
        if not isinstance(item, dict) or not item.get('Id'):
            continue
        names = item.get('Names') or ['']
        pod_id = item.get('Pod') or None
        entry = record('podman', {
            'id': item['Id'], 'name': names[0] if isinstance(names, list) else names, 'image': item.get('Image'),
            'pid': _int(item.get('Pid')), 'infra': item.get('IsInfra'),
            'pod': pod_of(item.get('Labels')) or item.get('PodName'),
            'shares_with': None if item.get('IsInfra') else infra_of_pod.get(pod_id),
        })
        entry['netns_inode'] = _int((item.get('Namespaces') or {}).get('Net')) or None
        records.append(entry)
    return records


def podman_ambiguous(records):
    """Ids of the containers that share a namespace podman ps does not explain (no pod): inspect says how."""
    groups = {}
    for entry in records:
        if entry.get('netns_inode') and entry['shares_with'] is None and not entry['infra']:
            groups.setdefault(entry['netns_inode'], []).append(entry['id'])
    return sorted(found for ids in groups.values() if len(ids) > 1 for found in ids)


def parse_cri_pods(doc):
    """Ids of the ready pod sandboxes of `crictl pods -o json`."""
    items = doc.get('items') if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise ValueError('expected an object with "items", as crictl pods -o json prints')
    return [item['id'] for item in items if isinstance(item, dict) and item.get('id')
            and item.get('state') == 'SANDBOX_READY']


def cri_pod_record(runtime, pod):
    """A ready pod sandbox from parse_cri_pod() -> its record (the pod owns the namespace of its containers)."""
    name = '%s/%s' % (pod['namespace'], pod['name']) if pod['namespace'] else pod['name']
    return record(runtime, {'id': pod['id'], 'name': name, 'pod': name, 'pid': pod['pid'], 'path': pod['path'],
                            'host_network': True if pod['host_network'] else None, 'image': pod.get('image'),
                            'infra': True}, kind='pod')


def parse_cri_containers(runtime, doc):
    """The running containers of `crictl ps -o json` -> records sharing their pod's namespace."""
    items = doc.get('containers') if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise ValueError('expected an object with "containers", as crictl ps -o json prints')
    records = []
    for item in items:
        if not isinstance(item, dict) or item.get('state') != 'CONTAINER_RUNNING':
            continue
        records.append(record(runtime, {
            'id': item.get('id'), 'name': (item.get('metadata') or {}).get('name'),
            'image': (item.get('image') or {}).get('image') or item.get('imageRef'),
            'shares_with': item.get('podSandboxId'), 'pod': pod_of(item.get('labels')),
        }))
    return records


def parse_json_documents(text):
    """The JSON documents of a text that holds several one after another (crictl inspectp with several ids)."""
    decoder = json.JSONDecoder()
    documents = []
    position = 0
    text = text or ''
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return documents
        document, position = decoder.raw_decode(text, position)
        documents.append(document)


def parse_ctr_containers(text):
    """`ctr containers ls` (CONTAINER IMAGE RUNTIME columns) -> {container id: image}."""
    images = {}
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 2:
            images[fields[0]] = fields[1] if fields[1] != '-' else None
    return images


def namespace_owner(records):
    """Of the records of the containers in one network namespace, the one that owns it.

    A CRI pod sandbox owns its containers' namespace, a pod's infra (pause) container its members', and a
    container others joined (network mode container:X) theirs. Among several that join nobody, the one that
    started first (the lowest pid) made it: a container can only join a namespace that exists.
    """
    for rule in (lambda entry: entry['kind'] == 'pod', lambda entry: entry['infra'],
                 lambda entry: entry['shares_with'] is None, lambda entry: True):
        candidates = [entry for entry in records if rule(entry)]
        if candidates:
            return min(candidates, key=lambda entry: (entry['pid'] or PID_UNKNOWN, entry['name'], entry['id']))
    return None


def owner_view(owner, members):
    """The owner item of netns_info: who holds a namespace, and every container in it by name."""
    return {'kind': owner['kind'], 'runtime': owner['runtime'], 'id': owner['id'], 'name': owner['name'],
            'image': owner['image'], 'pod': owner['pod'],
            'containers': sorted(entry['name'] or short_id(entry['id']) for entry in members)}


def unix_socket_path(value, param):
    """'unix:///run/x.sock' or '/run/x.sock' -> '/run/x.sock'; anything else is refused."""
    text = value or ''
    if text.startswith('unix://'):
        text = text[len('unix://'):]
    if not text.startswith('/'):
        raise ParameterError(param, value, 'must be a local unix socket, unix:///path or /path '
                             '(the container must run on this host for its namespace to be attached)')
    return text
