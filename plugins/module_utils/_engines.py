# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Asking Docker, Podman, containerd and CRI-O which network namespace a container is in: the clients of
Docker and Podman, and the entry points that choose a runtime's client (engine, resolve, list_containers).

Nothing beyond the standard library: Docker's Engine API is spoken over its unix socket with http.client;
Podman is run as a command that prints JSON, which _containers interprets. containerd and CRI-O are asked
through crictl and ctr, whose clients are in _engines_cri (a module of their own to keep both halves small);
running commands is _process's.

Private to this collection: may change without notice.
"""

import errno
import http.client
import json
import socket

from urllib.parse import quote

from ansible.module_utils.basic import env_fallback

from ansible_collections.linuxnet.netns.plugins.module_utils._containers import (
    COMMAND_TIMEOUT, DEFAULT_CONTAINERD_ADDRESS, DEFAULT_CONTAINERD_NAMESPACE, DEFAULT_CRIO_ADDRESS,
    DEFAULT_DOCKER_HOST, LABELS, NotFound, RUNTIMES, Unavailable, docker_list_ids, follow_shared,
    parse_docker_inspect, parse_podman_ps, podman_ambiguous, record, unix_socket_path,
)
from ansible_collections.linuxnet.netns.plugins.module_utils._engines_cri import Containerd, Crio
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError
from ansible_collections.linuxnet.netns.plugins.module_utils._process import find_command, last_line, load_json, run_command

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
            message = last_line(err)
            if 'no such container' in message.lower() or 'no such pod' in message.lower():
                raise NotFound(message)
            if self.url and ('connect' in message.lower() or 'connection' in message.lower()):
                raise Unavailable('podman_url', 'cannot reach the Podman service at %s: %s' % (self.url, message))
            raise NetnsError('container: podman %s failed: %s' % (' '.join(args), message))
        return load_json(out, 'podman ' + ' '.join(args))

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
