# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Asking Docker, Podman, containerd and CRI-O which network namespace a container is in.

Nothing beyond the standard library: Docker's Engine API is spoken over its unix socket with http.client;
Podman, crictl (containerd and CRI-O through the CRI) and ctr (containerd without the CRI) are run as
commands that print JSON, which _containers interprets.

Private to this collection: may change without notice.
"""

import errno
import http.client
import json
import os
import re
import socket
import subprocess

from urllib.parse import quote

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.common.process import get_bin_path

from ansible_collections.linuxnet.netns.plugins.module_utils._containers import (
    COMMAND_TIMEOUT, DEFAULT_CONTAINERD_ADDRESS, DEFAULT_CONTAINERD_NAMESPACE, DEFAULT_CRIO_ADDRESS,
    DEFAULT_DOCKER_HOST, LABELS, LIVE_STATES, NotFound, RUNTIMES, Unavailable, cri_pod_record, cri_pod_target,
    ctr_target, describe_container, docker_list_ids, follow_shared, parse_cri_container, parse_cri_containers,
    parse_cri_pod, parse_cri_pod_list, parse_cri_pods, parse_ctr_container, parse_ctr_containers, parse_ctr_tasks,
    parse_docker_inspect, parse_json_documents, parse_podman_ps, podman_ambiguous, record, short_id,
    unix_socket_path,
)
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError

# Where each runtime is asked: options of every module that asks them (attach, netns_info), with the
# environment variables their own command-line tools read.
ENGINE_ARGUMENT_SPEC = dict(
    docker_host=dict(type='str', default=DEFAULT_DOCKER_HOST, fallback=(env_fallback, ['DOCKER_HOST'])),
    podman_executable=dict(type='str', default='podman'),
    podman_url=dict(type='str'),
    containerd_address=dict(type='str', default=DEFAULT_CONTAINERD_ADDRESS,
                            fallback=(env_fallback, ['CONTAINERD_ADDRESS'])),
    containerd_namespace=dict(type='str', default=DEFAULT_CONTAINERD_NAMESPACE,
                              fallback=(env_fallback, ['CONTAINERD_NAMESPACE'])),
    crio_address=dict(type='str', default=DEFAULT_CRIO_ADDRESS),
)
# What a listing says of each runtime it asked
LISTED = 'listed'
UNAVAILABLE = 'unavailable'  # not there: no socket, nobody listening, no command
FAILED = 'failed'  # there, but it answered with an error


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


class Docker:
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

    def connection(self):
        return _UnixHTTPConnection(self.socket_path, self.timeout)

    def get(self, url, connection=None):
        """(HTTP status, body) of GET url; on the given connection (kept open, as a listing reuses one for every
        container) or on one of its own."""
        own = connection is None
        if own:
            connection = self.connection()
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
            if own:
                connection.close()

    def inspect(self, ref, connection=None):
        # the API's own names start with "/" ("/web"); the URL takes them without
        status, body = self.get('/containers/%s/json' % quote(ref.lstrip('/'), safe=''), connection)
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

    def containers(self):
        """Every running container: the list, then each one inspected (its pid, namespace path and network mode
        are only there; about half a millisecond each on one kept-open connection)."""
        connection = self.connection()
        try:
            status, body = self.get('/containers/json', connection)
            if status != 200:
                raise NetnsError('the Docker daemon at %s answered HTTP %d for the list of containers: %s'
                                 % (self.host, status, body[:200].decode('utf-8', 'replace')))
            try:
                ids = docker_list_ids(json.loads(body))
            except ValueError as exc:
                raise NetnsError('cannot parse the Docker daemon\'s list of containers: %s' % exc)
            found = []
            for container_id in ids:
                try:
                    info = self.inspect(container_id, connection)
                except NotFound:
                    continue  # removed since it was listed
                if info['live']:
                    found.append(record('docker', info))
            return found
        finally:
            connection.close()


class Podman:
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

    def containers(self):
        """Every running container (podman ps), and for those that share a namespace outside a pod, how (one
        podman container inspect of just those)."""
        try:
            found = parse_podman_ps(self.call('ps', '--ns', '--pod', '--format', 'json'))
        except ValueError as exc:
            raise NetnsError('cannot parse podman ps: %s' % exc)
        ambiguous = podman_ambiguous(found)
        if ambiguous:
            try:
                docs = self.call('container', 'inspect', '--format', 'json', *ambiguous)
            except (NotFound, NetnsError):
                docs = []  # one stopped in between: the pids decide for these
            by_id = dict((entry['id'], entry) for entry in found)
            for doc in docs if isinstance(docs, list) else []:
                try:
                    info = parse_docker_inspect(doc)
                except ValueError:
                    continue
                if info['id'] in by_id:
                    by_id[info['id']].update(shares_with=info['shares_with'], network_mode=info['network_mode'] or None,
                                             host_network=info['host_network'])
        for entry in found:
            entry.pop('netns_inode', None)
        return found


class Crictl:
    """A CRI runtime (containerd's CRI plugin, CRI-O) through crictl."""

    def __init__(self, runtime, address, param, run=run_command):
        self.runtime = runtime
        self.address = address
        self.param = param
        self.run = run
        self.endpoint = 'unix://' + unix_socket_path(address, param)

    def call(self, *args):
        return _load_json(self.output(*args), 'crictl ' + ' '.join(args))

    def output(self, *args):
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
        return out

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

    def containers(self):
        """The ready pod sandboxes (crictl pods, then one crictl inspectp of them all for their namespaces) and the
        running containers in them (crictl ps)."""
        try:
            ids = parse_cri_pods(self.call('pods', '-o', 'json'))
            found = []
            for doc in self._inspect_pods(ids):
                pod = parse_cri_pod(doc)
                if pod['ready'] and not pod['closed']:
                    found.append(cri_pod_record(self.runtime, pod))
            found.extend(parse_cri_containers(self.runtime, self.call('ps', '-o', 'json')))
        except ValueError as exc:
            raise NetnsError('cannot parse what crictl says of %s: %s' % (LABELS[self.runtime], exc))
        return found

    def _inspect_pods(self, ids):
        if not ids:
            return []
        try:
            return parse_json_documents(self.output('inspectp', '-o', 'json', *ids))
        except NotFound:
            pass  # one went away since it was listed: the others one by one
        docs = []
        for pod_id in ids:
            try:
                docs.append(self.call('inspectp', '-o', 'json', pod_id))
            except NotFound:
                continue
        return docs


class Ctr:
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

    def containers(self):
        """The containers with a running task (ctr containers ls, ctr tasks ls). Only where two tasks are in one
        namespace are their specs read (ctr containers info), to know which one joined the other's."""
        images = parse_ctr_containers(self.call('containers', 'ls'))
        tasks = parse_ctr_tasks(self.call('tasks', 'ls'))
        found = [record('containerd', {'id': task_id, 'name': task_id, 'image': images.get(task_id), 'pid': pid})
                 for task_id, (pid, status) in sorted(tasks.items()) if status in LIVE_STATES]
        groups = {}
        for entry in found:
            try:
                st = os.stat('/proc/%d/ns/net' % entry['pid'])
            except OSError:
                continue  # exited since it was listed
            groups.setdefault((st.st_dev, st.st_ino), []).append(entry)
        for entry in [entry for group in groups.values() if len(group) > 1 for entry in group]:
            try:
                target = ctr_target(parse_ctr_container(_load_json(self.call('containers', 'info', entry['id']),
                                                                   'ctr containers info')), tasks)
            except (NotFound, NetnsError, ValueError):
                continue  # gone in between: the pids decide
            if target.container_id != entry['id']:
                entry['shares_with'] = target.container_id
        return found


class Containerd:
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

    def containers(self):
        """Through the CRI where crictl is installed and containerd serves it, else with ctr in the namespace."""
        if not os.path.exists(self.socket_path):
            raise Unavailable('containerd_address', 'no containerd socket at %s' % self.socket_path)
        reasons = []
        if has_command('crictl'):
            try:
                return Crictl('containerd', self.socket_path, 'containerd_address', run=self.run).containers()
            except Unavailable as exc:
                reasons.append(exc.msg)
        if has_command('ctr'):
            return Ctr(self.socket_path, self.namespace, run=self.run).containers()
        raise Unavailable('runtime', '; '.join(reasons) or 'containerd is asked through crictl or ctr, and neither was '
                          'found on the target')


class Crio:
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

    def containers(self):
        if not os.path.exists(self.socket_path):
            raise Unavailable('crio_address', 'no CRI-O socket at %s' % self.socket_path)
        return Crictl('crio', self.socket_path, 'crio_address', run=self.run).containers()


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


def list_containers(runtimes, settings=None, run=run_command):
    """Every running container of these runtimes, as _containers.record()s, and what each runtime said.

    A runtime that is not there, or that fails, is reported on its own item of the statuses (runtime, where,
    state: listed, unavailable or failed, problem, containers: how many) and the others are listed.
    """
    settings = settings or {}
    found = []
    statuses = []
    for name in runtimes:
        status = {'runtime': name, 'where': LABELS[name], 'state': LISTED, 'problem': None, 'containers': 0}
        try:
            client = engine(name, settings, run=run)
            status['where'] = client.where()
            listed = client.containers()
        except ParameterError:
            raise
        except Unavailable as exc:
            status.update(state=UNAVAILABLE, problem=exc.msg)
        except NetnsError as exc:
            status.update(state=FAILED, problem=exc.msg)
        except OSError as exc:
            status.update(state=FAILED, problem='cannot ask %s: %s' % (LABELS[name], exc))
        else:
            status['containers'] = len(listed)
            found.extend(listed)
        statuses.append(status)
    return found, statuses
