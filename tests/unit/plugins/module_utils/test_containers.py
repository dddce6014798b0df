# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Container resolution on recorded runtime output (fixtures/README.md says where each file comes from).

Docker is also asked over a real unix socket served by this test; the CLIs (podman, crictl, ctr) are replaced by
a runner that answers from the fixtures, so the commands the module would run are checked too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import http.server
import json
import os
import socketserver
import threading

import pytest

from ansible_collections.linuxnet.netns.plugins.module_utils import _containers as containers
from ansible_collections.linuxnet.netns.plugins.module_utils import _engines as engines
from ansible_collections.linuxnet.netns.plugins.module_utils import _process as process
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError

FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')
CRI_POD = '5c0e2e1e8d3c6b3e7f3f2c1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b'
CRI_CONTAINER = '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b'
CRI_NETNS = '/var/run/netns/cni-9f2c3e4a-6b1d-2e8f-4c7a-1d3b5e6f7a8b'
CRIO_POD = 'f1e2d3c4b5a6978877665544332211000ffeeddccbbaa99887766554433221100'
CRIO_NETNS = '/var/run/netns/8d3a5b1c-2e4f-4a6b-9c8d-7e6f5a4b3c2d'


def text(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def load(name):
    return json.loads(text(name))


def docker_doc(name):
    return load('docker_inspect_%s.json' % name)


def podman_doc(name):
    return load('podman_inspect_%s.json' % name)[0]


# -- Docker and Podman inspect documents ----------------------------------------------------------------

def test_docker_default_network_container():
    info = containers.parse_docker_inspect(docker_doc('web'))
    assert info['name'] == 'web'
    assert info['live'] and info['status'] == 'running'
    assert info['pid'] == docker_doc('web')['State']['Pid']
    assert info['shares_with'] is None
    assert not info['host_network']
    # dockerd --bridge=none: a SandboxKey is reported that was never created; the pid is the fallback
    assert info['sandbox_key'].startswith('/run/lnt-engines/docker/netns/')


def test_docker_container_network_mode_names_the_owner():
    info = containers.parse_docker_inspect(docker_doc('sidecar'))
    web = docker_doc('web')
    assert info['shares_with'] == web['Id']
    assert info['network_mode'] == 'container:' + web['Id']
    assert info['sandbox_key'] is None


def test_docker_host_network_by_mode_and_by_sandbox_key():
    info = containers.parse_docker_inspect(docker_doc('hostnet'))
    assert info['host_network']
    assert info['sandbox_key'].endswith('/netns/default')
    doc = docker_doc('web')
    doc['HostConfig']['NetworkMode'] = 'default'
    doc['NetworkSettings']['SandboxKey'] = '/var/run/docker/netns/default'
    assert containers.parse_docker_inspect(doc)['host_network']


@pytest.mark.parametrize('name, status', [('created', 'created'), ('exited', 'exited')])
def test_docker_stopped_containers_are_not_live(name, status):
    info = containers.parse_docker_inspect(docker_doc(name))
    assert not info['live']
    assert info['status'] == status
    assert info['pid'] is None


def test_docker_paused_container_is_live():
    doc = docker_doc('web')
    doc['State'].update(Status='paused', Paused=True)
    assert containers.parse_docker_inspect(doc)['live']


def test_podman_documents():
    web = containers.parse_docker_inspect(podman_doc('web'))
    assert web['name'] == 'web' and web['live'] and web['sandbox_key'] is None
    side = containers.parse_docker_inspect(podman_doc('sidecar'))
    assert side['shares_with'] == podman_doc('web')['Id']
    assert containers.parse_docker_inspect(podman_doc('hostnet'))['host_network']
    created = containers.parse_docker_inspect(podman_doc('created'))
    assert not created['live'] and created['status'] == 'created'
    member = containers.parse_docker_inspect(podman_doc('member'))
    assert member['shares_with'] == load('podman_pod_inspect.json')['InfraContainerID']


def test_parse_docker_inspect_refuses_a_list():
    with pytest.raises(ValueError):
        containers.parse_docker_inspect([docker_doc('web')])


def inspector(docs):
    """inspect(ref) over documents, by name or id, as the Engine API answers."""
    by_ref = {}
    for doc in docs:
        by_ref[doc['Name'].lstrip('/')] = doc
        by_ref[doc['Id']] = doc

    def inspect(ref):
        if ref not in by_ref:
            raise containers.NotFound('no such container')
        return containers.parse_docker_inspect(by_ref[ref])
    return inspect


def test_follow_shared_resolves_to_the_owner():
    web, side = docker_doc('web'), docker_doc('sidecar')
    target = containers.follow_shared('docker', inspector([web, side]), 'sidecar')
    assert target.container_id == web['Id']
    assert target.name == 'web'
    assert target.pid == web['State']['Pid']
    assert target.via == ["shared by container 'sidecar' (%s) through network mode container:%s"
                          % (side['Id'][:12], web['Id'][:12])]
    assert target.sources() == [web['NetworkSettings']['SandboxKey'], '/proc/%d/ns/net' % web['State']['Pid']]
    assert target.describe() == "Docker container 'web' (%s)" % web['Id'][:12]


def test_follow_shared_own_namespace():
    isolated = docker_doc('isolated')
    target = containers.follow_shared('docker', inspector([isolated]), 'isolated')
    assert target.container_id == isolated['Id']
    assert target.via == []
    assert target.path == isolated['NetworkSettings']['SandboxKey']


def test_follow_shared_stopped_container():
    with pytest.raises(NetnsError) as exc:
        containers.follow_shared('docker', inspector([docker_doc('exited')]), 'exited')
    assert exc.value.msg.startswith("container: Docker container 'exited' (")
    assert 'is not running (status: exited)' in exc.value.msg


def test_follow_shared_owner_stopped_or_gone():
    web, side = docker_doc('web'), docker_doc('sidecar')
    stopped_web = json.loads(json.dumps(web))
    stopped_web['State'].update(Running=False, Status='exited', Pid=0)
    with pytest.raises(NetnsError) as exc:
        containers.follow_shared('docker', inspector([stopped_web, side]), 'sidecar')
    assert exc.value.msg.startswith("container: 'sidecar' shares the network namespace of Docker container 'web'")
    assert 'which is not running (status: exited)' in exc.value.msg
    with pytest.raises(NetnsError) as exc:
        containers.follow_shared('docker', inspector([side]), 'sidecar')
    assert 'which Docker does not know (removed?)' in exc.value.msg


def test_follow_shared_detects_a_loop():
    a, b = docker_doc('sidecar'), docker_doc('web')
    a = json.loads(json.dumps(a))
    b = json.loads(json.dumps(b))
    b['HostConfig']['NetworkMode'] = 'container:' + a['Id']
    with pytest.raises(NetnsError) as exc:
        containers.follow_shared('docker', inspector([a, b]), 'sidecar')
    assert 'loops' in exc.value.msg


# -- Docker over its unix socket ------------------------------------------------------------------------

class _EngineAPI(http.server.BaseHTTPRequestHandler):
    docs = {}

    def do_GET(self):  # noqa: N802 -- the name http.server calls
        parts = self.path.split('/')
        ref = parts[2] if len(parts) == 4 and parts[1] == 'containers' and parts[3] == 'json' else None
        doc = self.docs.get(ref)
        body = json.dumps(doc if doc else {'message': 'No such container: %s' % ref}).encode()
        self.send_response(200 if doc else 404)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):
        request, _address = socketserver.UnixStreamServer.get_request(self)
        return request, ('local', 0)


@pytest.fixture
def engine_api(tmp_path):
    docs = {}
    for name in ('web', 'sidecar', 'exited'):
        doc = docker_doc(name)
        docs[name] = doc
        docs[doc['Id']] = doc
    handler = type('Handler', (_EngineAPI,), {'docs': docs})
    path = str(tmp_path / 'docker.sock')
    server = _UnixHTTPServer(path, handler)
    thread = threading.Thread(target=server.serve_forever)
    thread.daemon = True
    thread.start()
    try:
        yield 'unix://' + path
    finally:
        server.shutdown()
        server.server_close()


def test_docker_engine_api_over_unix_socket(engine_api):
    target = engines.Docker(engine_api).lookup('/sidecar')  # the API's own form of a name
    assert target.container_id == docker_doc('web')['Id']
    assert target.runtime == 'docker'


def test_docker_engine_api_404_is_not_found(engine_api):
    with pytest.raises(containers.NotFound):
        engines.Docker(engine_api).lookup('nope')
    with pytest.raises(NetnsError) as exc:
        engines.resolve('nope', 'docker', {'docker_host': engine_api})
    assert exc.value.msg == "container: Docker at %s does not know a container 'nope' (no such container)" % engine_api


def test_docker_missing_socket_names_docker_host(tmp_path):
    host = 'unix://%s/missing.sock' % tmp_path
    with pytest.raises(NetnsError) as exc:
        engines.resolve('web', 'docker', {'docker_host': host})
    assert exc.value.msg.startswith('docker_host: cannot reach the Docker daemon at %s: no such socket' % host)


@pytest.mark.parametrize('value, path', [
    ('unix:///var/run/docker.sock', '/var/run/docker.sock'),
    ('/run/user/1000/docker.sock', '/run/user/1000/docker.sock'),
])
def test_unix_socket_path_accepts(value, path):
    assert containers.unix_socket_path(value, 'docker_host') == path


@pytest.mark.parametrize('value', ['tcp://127.0.0.1:2375', 'ssh://root@host', 'npipe:////./pipe/docker_engine',
                                   'unix://relative.sock', '', None])
def test_unix_socket_path_refuses(value):
    with pytest.raises(ParameterError) as exc:
        containers.unix_socket_path(value, 'docker_host')
    assert exc.value.msg.startswith('docker_host: must be a local unix socket')


# -- the CLIs, answered from the fixtures --------------------------------------------------------------

class Runner(object):
    """Stands in for run_command: answers argv by its last words, records what was run."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, argv, timeout=None):
        self.calls.append(argv)
        for key, answer in self.answers.items():
            if tuple(argv[-len(key):]) == key:
                return answer
        return 1, '', 'rpc error: code = NotFound desc = an error occurred when try to find sandbox: not found'


@pytest.fixture
def commands(monkeypatch):
    """Every CLI is "installed" (get_bin_path answers /usr/bin/NAME)."""
    monkeypatch.setattr(process, 'get_bin_path', lambda name: name if name.startswith('/') else '/usr/bin/' + name)


def test_podman_pod_resolves_to_its_infra_container(commands):
    pod = load('podman_pod_inspect.json')
    infra = pod['InfraContainerID']
    runner = Runner({
        ('inspect', '--format', 'json', 'pod'): (0, text('podman_pod_inspect.json'), ''),
        ('container', 'inspect', '--format', 'json', 'pod'): (125, '[]', 'Error: inspecting object: no such container pod\n'),
        ('container', 'inspect', '--format', 'json', infra): (0, text('podman_inspect_infra.json'), ''),
    })
    target = engines.Podman(run=runner).lookup('pod')
    assert target.container_id == infra
    assert target.via == ["the infra container of pod 'pod'"]
    assert target.pid == load('podman_inspect_infra.json')[0]['State']['Pid']
    assert runner.calls[0] == ['/usr/bin/podman', 'container', 'inspect', '--format', 'json', 'pod']


def test_podman_url_and_unknown_container(commands):
    runner = Runner({
        ('container', 'inspect', '--format', 'json', 'nope'): (125, '[]', 'Error: no such container nope\n'),
        ('pod', 'inspect', '--format', 'json', 'nope'): (125, '', 'Error: no such pod nope\n'),
    })
    with pytest.raises(NetnsError) as exc:
        engines.resolve('nope', 'podman', {'podman_url': 'unix:///run/podman/podman.sock'}, run=runner)
    assert exc.value.msg == ("container: Podman at unix:///run/podman/podman.sock does not know a container 'nope' "
                             "(no such container or pod)")
    assert runner.calls[0][:3] == ['/usr/bin/podman', '--url', 'unix:///run/podman/podman.sock']


def test_podman_missing_executable_names_the_option(monkeypatch):
    def missing(name):
        raise ValueError('Failed to find required executable "%s"' % name)
    monkeypatch.setattr(process, 'get_bin_path', missing)
    with pytest.raises(NetnsError) as exc:
        engines.resolve('web', 'podman', {'podman_executable': '/opt/podman'})
    assert exc.value.msg.startswith('podman_executable: /opt/podman not found on the target')


# -- CRI: crictl inspectp / inspect / pods ---------------------------------------------------------------

def test_cri_containerd_ready_pod():
    pod = containers.parse_cri_pod(load('crictl_inspectp_containerd_ready.json'))
    assert pod == {'id': CRI_POD, 'name': 'web-7d9c8b6f5-x2k4p', 'namespace': 'default', 'state': 'SANDBOX_READY',
                   'ready': True, 'host_network': False, 'path': CRI_NETNS, 'pid': 41873, 'closed': False,
                   'image': 'registry.k8s.io/pause:3.6'}
    target = containers.cri_pod_target('containerd', pod)
    assert target.sources() == [CRI_NETNS, '/proc/41873/ns/net']
    assert target.describe() == "containerd pod 'default/web-7d9c8b6f5-x2k4p' (5c0e2e1e8d3c)"


def test_cri_containerd_host_network_pod():
    pod = containers.parse_cri_pod(load('crictl_inspectp_containerd_hostnetwork.json'))
    assert pod['host_network'] and pod['ready'] and pod['path'] is None and pod['pid'] == 1290
    assert containers.cri_pod_target('containerd', pod).host_network


def test_cri_host_network_from_each_source_alone():
    doc = load('crictl_inspectp_containerd_hostnetwork.json')
    doc['status']['linux']['namespaces']['options']['network'] = 'POD'
    del doc['info']['config']['linux']['security_context']['namespace_options']['network']
    # the spec without a network namespace still tells
    assert containers.parse_cri_pod(doc)['host_network']
    del doc['info']['runtimeSpec']
    assert not containers.parse_cri_pod(doc)['host_network']
    doc['info']['config']['linux']['security_context']['namespace_options']['network'] = 2
    assert containers.parse_cri_pod(doc)['host_network']


def test_cri_containerd_notready_pod_is_an_error():
    pod = containers.parse_cri_pod(load('crictl_inspectp_containerd_notready.json'))
    assert not pod['ready'] and pod['closed'] and pod['pid'] is None
    with pytest.raises(NetnsError) as exc:
        containers.cri_pod_target('containerd', pod)
    assert exc.value.msg == ("container: containerd pod 'default/web-7d9c8b6f5-x2k4p' (5c0e2e1e8d3c) is not ready "
                             "(state: SANDBOX_NOTREADY); a stopped pod has no network namespace")


def test_cri_ready_but_closed_namespace_is_an_error():
    doc = load('crictl_inspectp_containerd_ready.json')
    doc['info']['netNamespaceClosed'] = True
    with pytest.raises(NetnsError) as exc:
        containers.cri_pod_target('containerd', containers.parse_cri_pod(doc))
    assert 'already closed' in exc.value.msg


def test_cri_crio_pods():
    pod = containers.parse_cri_pod(load('crictl_inspectp_crio_ready.json'))
    assert (pod['path'], pod['pid'], pod['host_network'], pod['closed']) == (CRIO_NETNS, 22518, False, False)
    # a pod without an infra process (CRI-O's drop_infra_ctr): only the pinned namespace
    bare = containers.parse_cri_pod(load('crictl_inspectp_crio_no_infra.json'))
    assert (bare['path'], bare['pid']) == (CRIO_NETNS, None)
    target = containers.cri_pod_target('crio', bare)
    assert target.sources() == [CRIO_NETNS]
    assert target.name == 'kube-system/coredns-5d78c9869d-8h7xq'


def test_cri_containers():
    running = containers.parse_cri_container(load('crictl_inspect_containerd_running.json'))
    assert running == {'id': CRI_CONTAINER, 'name': 'nginx', 'state': 'CONTAINER_RUNNING', 'running': True,
                       'sandbox_id': CRI_POD, 'pod': 'default/web-7d9c8b6f5-x2k4p'}
    exited = containers.parse_cri_container(load('crictl_inspect_containerd_exited.json'))
    assert not exited['running'] and exited['state'] == 'CONTAINER_EXITED'
    crio = containers.parse_cri_container(load('crictl_inspect_crio_running.json'))
    assert crio['sandbox_id'] == CRIO_POD and crio['pod'] == 'kube-system/coredns-5d78c9869d-8h7xq'


def test_cri_pod_list_exact_name_prefers_ready():
    doc = load('crictl_pods_by_name.json')
    assert containers.parse_cri_pod_list(doc, 'web-7d9c8b6f5-x2k4p') == [
        (CRI_POD, 'default'), ('aa00bb11cc22dd33ee44ff5566778899aabbccddeeff00112233445566778899', 'staging')]
    assert containers.parse_cri_pod_list(doc, 'web-7d9c8b6f5-x2k4p', 'default') == [(CRI_POD, 'default')]
    assert containers.parse_cri_pod_list(doc, 'web') == []


@pytest.fixture
def cri_socket(tmp_path):
    path = tmp_path / 'containerd.sock'
    path.write_text('')  # only its existence is checked before crictl is run
    return str(path)


def crictl_runner():
    return Runner({
        ('inspectp', '-o', 'json', CRI_POD): (0, text('crictl_inspectp_containerd_ready.json'), ''),
        ('inspect', '-o', 'json', CRI_CONTAINER): (0, text('crictl_inspect_containerd_running.json'), ''),
        ('inspect', '-o', 'json', 'exited'): (0, text('crictl_inspect_containerd_exited.json'), ''),
        ('pods', '--name', '^web\\-7d9c8b6f5\\-x2k4p$', '-o', 'json'): (0, text('crictl_pods_by_name.json'), ''),
        ('pods', '--name', '^web\\-7d9c8b6f5\\-x2k4p$', '--namespace', '^default$', '-o', 'json'):
            (0, text('crictl_pods_by_name.json'), ''),
    })


def test_crictl_pod_by_id(commands, cri_socket):
    runner = crictl_runner()
    target = engines.resolve(CRI_POD, 'containerd', {'containerd_address': cri_socket}, run=runner)
    assert (target.container_id, target.path, target.pid, target.kind) == (CRI_POD, CRI_NETNS, 41873, 'pod')
    assert runner.calls[0] == ['/usr/bin/crictl', '--runtime-endpoint', 'unix://' + cri_socket, '--timeout', '10s',
                               'inspectp', '-o', 'json', CRI_POD]


def test_crictl_container_resolves_to_its_pod(commands, cri_socket):
    target = engines.resolve(CRI_CONTAINER, 'containerd', {'containerd_address': cri_socket}, run=crictl_runner())
    assert target.container_id == CRI_POD
    assert target.via == ["the pod of container 'nginx' (%s)" % CRI_CONTAINER[:12]]


def test_crictl_exited_container_points_at_its_pod(commands, cri_socket):
    with pytest.raises(NetnsError) as exc:
        engines.resolve('exited', 'containerd', {'containerd_address': cri_socket}, run=crictl_runner())
    assert exc.value.msg.startswith("container: containerd container 'nginx' (%s) of pod default/web-7d9c8b6f5-x2k4p "
                                    "is not running (state: CONTAINER_EXITED)" % CRI_CONTAINER[:12])
    assert 'name its pod (sandbox 5c0e2e1e8d3c)' in exc.value.msg


def test_crictl_pod_by_name(commands, cri_socket):
    settings = {'containerd_address': cri_socket}
    target = engines.resolve('default/web-7d9c8b6f5-x2k4p', 'containerd', settings, run=crictl_runner())
    assert target.container_id == CRI_POD
    with pytest.raises(NetnsError) as exc:
        engines.resolve('web-7d9c8b6f5-x2k4p', 'containerd', settings, run=crictl_runner())
    assert exc.value.msg == ("container: 'web-7d9c8b6f5-x2k4p' names 2 pods (in namespaces default, staging); "
                             "give NAMESPACE/NAME or the pod id")


def test_crictl_unknown_then_ctr(commands, cri_socket):
    """Not known to the CRI: ctr is asked next, in containerd_namespace."""
    runner = Runner({
        ('pods', '--name', '^nope$', '-o', 'json'): (0, '{"items": []}', ''),
        ('containers', 'info', 'nope'): (1, '', 'ctr: container "nope" in namespace "k8s.io": not found\n'),
    })
    with pytest.raises(NetnsError) as exc:
        engines.resolve('nope', 'containerd', {'containerd_address': cri_socket}, run=runner)
    assert exc.value.msg.startswith("container: containerd at %s (namespace k8s.io) does not know a container 'nope'"
                                    % cri_socket)
    assert runner.calls[-1][:5] == ['/usr/bin/ctr', '--address', cri_socket, '--namespace', 'k8s.io']


def test_crictl_cri_disabled_falls_back_to_ctr(commands, cri_socket):
    web = load('ctr_info_web.json')
    runner = Runner({
        ('inspectp', '-o', 'json', 'web'): (1, '', 'rpc error: code = Unimplemented desc = unknown service '
                                                   'runtime.v1.RuntimeService\n'),
        ('containers', 'info', 'web'): (0, json.dumps(web), ''),
        ('tasks', 'ls'): (0, text('ctr_tasks_ls.txt'), ''),
    })
    target = engines.resolve('web', 'containerd', {'containerd_address': cri_socket}, run=runner)
    assert (target.container_id, target.pid) == ('web', 21707)


def test_crio_without_socket_or_crictl(tmp_path, monkeypatch):
    with pytest.raises(NetnsError) as exc:
        engines.resolve('x', 'crio', {'crio_address': str(tmp_path / 'crio.sock')})
    assert exc.value.msg == 'crio_address: no CRI-O socket at %s' % (tmp_path / 'crio.sock')
    (tmp_path / 'crio.sock').write_text('')

    def missing(name):
        raise ValueError(name)
    monkeypatch.setattr(process, 'get_bin_path', missing)
    with pytest.raises(NetnsError) as exc:
        engines.resolve('x', 'crio', {'crio_address': str(tmp_path / 'crio.sock')})
    assert exc.value.msg.startswith('runtime: crictl not found on the target')


def test_crio_container_resolves_to_the_pinned_namespace(commands, tmp_path):
    sock = tmp_path / 'crio.sock'
    sock.write_text('')
    runner = Runner({
        ('inspect', '-o', 'json', 'coredns'): (0, text('crictl_inspect_crio_running.json'), ''),
        ('inspectp', '-o', 'json', CRIO_POD): (0, text('crictl_inspectp_crio_ready.json'), ''),
    })
    target = engines.resolve('coredns', 'crio', {'crio_address': 'unix://%s' % sock}, run=runner)
    assert (target.runtime, target.container_id, target.path, target.pid) == ('crio', CRIO_POD, CRIO_NETNS, 22518)


# -- containerd through ctr --------------------------------------------------------------------------------

def test_ctr_documents():
    tasks = containers.parse_ctr_tasks(text('ctr_tasks_ls.txt'))
    assert tasks == {'web': (21707, 'running'), 'sidecar': (21762, 'running'), 'hostnet': (21815, 'running')}
    web = containers.parse_ctr_container(load('ctr_info_web.json'))
    assert web == {'id': 'web', 'host_network': False, 'path': None}
    side = containers.parse_ctr_container(load('ctr_info_sidecar.json'))
    assert side == {'id': 'sidecar', 'host_network': False, 'path': '/proc/21707/ns/net'}
    assert containers.parse_ctr_container(load('ctr_info_hostnet.json'))['host_network']


def test_ctr_targets():
    tasks = containers.parse_ctr_tasks(text('ctr_tasks_ls.txt'))
    web = containers.ctr_target(containers.parse_ctr_container(load('ctr_info_web.json')), tasks)
    assert (web.container_id, web.pid, web.path, web.via) == ('web', 21707, None, [])
    side = containers.ctr_target(containers.parse_ctr_container(load('ctr_info_sidecar.json')), tasks)
    assert (side.container_id, side.pid, side.path, side.via) == ('web', 21707, None, ["shared by container 'sidecar'"])
    assert containers.ctr_target(containers.parse_ctr_container(load('ctr_info_hostnet.json')), tasks).host_network
    with pytest.raises(NetnsError) as exc:
        containers.ctr_target(containers.parse_ctr_container(load('ctr_info_web.json')), {})
    assert exc.value.msg.startswith("container: containerd container 'web' has no running task (status: no task)")


# -- auto ----------------------------------------------------------------------------------------------

def test_auto_lists_every_runtime_it_asked(tmp_path, monkeypatch):
    def missing(name):
        raise ValueError(name)
    monkeypatch.setattr(process, 'get_bin_path', missing)
    settings = {'docker_host': 'unix://%s/d.sock' % tmp_path, 'containerd_address': str(tmp_path / 'c.sock'),
                'crio_address': str(tmp_path / 'o.sock')}
    with pytest.raises(NetnsError) as exc:
        engines.resolve('web', 'auto', settings)
    assert exc.value.msg == (
        "container: no runtime knows a container 'web' ("
        "Docker: cannot reach the Docker daemon at unix://%s/d.sock: no such socket (%s/d.sock does not exist); "
        "Podman: podman not found on the target (looked in PATH and the sbin directories); "
        "containerd: no containerd socket at %s/c.sock; CRI-O: no CRI-O socket at %s/o.sock)"
        % (tmp_path, tmp_path, tmp_path, tmp_path))


def test_auto_skips_a_docker_host_that_is_not_local(engine_api, tmp_path, commands):
    runner = Runner({
        ('container', 'inspect', '--format', 'json', 'web'): (0, text('podman_inspect_web.json'), ''),
    })
    target = engines.resolve('web', 'auto', {'docker_host': 'tcp://198.18.0.1:2375'}, run=runner)
    assert target.runtime == 'podman'
    # the first runtime that knows the container wins
    target = engines.resolve('web', 'auto', {'docker_host': engine_api}, run=runner)
    assert target.runtime == 'docker'
