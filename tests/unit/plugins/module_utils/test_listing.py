# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The container listing (_engines.list_containers, _containers.record and friends) on recorded runtime output
(fixtures/README.md), and who owns a namespace several containers share (_discovery)."""

import json

import pytest

from ansible_collections.linuxnet.netns.plugins.module_utils import _containers as containers
from ansible_collections.linuxnet.netns.plugins.module_utils import _discovery as discovery
from ansible_collections.linuxnet.netns.plugins.module_utils import _engines as engines
from ansible_collections.linuxnet.netns.plugins.module_utils import _engines_cri as engines_cri
from ansible_collections.linuxnet.netns.plugins.module_utils import _process as process
from ansible_collections.linuxnet.netns.tests.unit.plugins.module_utils.test_containers import (
    CRI_CONTAINER, CRI_NETNS, CRI_POD, Runner, load, text,
)

POD_NAME = 'default/web-7d9c8b6f5-x2k4p'


@pytest.fixture
def commands(monkeypatch):
    """Every CLI is "installed" (get_bin_path answers /usr/bin/NAME)."""
    monkeypatch.setattr(process, 'get_bin_path', lambda name: name if name.startswith('/') else '/usr/bin/' + name)


@pytest.fixture
def cri_socket(tmp_path):
    path = tmp_path / 'containerd.sock'
    path.write_text('')  # only its existence is checked before crictl is run
    return str(path)


def by_name(records):
    return dict((record['name'], record) for record in records)


# -- Podman -------------------------------------------------------------------------------------------------

def podman_runner():
    ps = load('podman_ps.json')
    shared = [item['Id'] for item in ps if item['Names'][0] in ('web', 'sidecar')]
    return Runner({
        ('ps', '--ns', '--pod', '--format', 'json'): (0, text('podman_ps.json'), ''),
        tuple(['container', 'inspect', '--format', 'json'] + sorted(shared)): (0, text('podman_inspect_shared.json'), ''),
    })


def test_podman_ps_groups_pods_and_asks_only_about_the_containers_it_cannot_explain(commands):
    runner = podman_runner()
    found = by_name(engines.Podman(run=runner).containers())
    ps = dict((item['Names'][0], item) for item in load('podman_ps.json'))
    infra = [name for name in found if name.endswith('-infra')][0]
    # a pod's member shares with the pod's infra container, from podman ps alone
    assert found['member']['shares_with'] == ps[infra]['Id']
    assert found['member']['pod'] == 'pod' and found[infra]['infra'] and found[infra]['pod'] == 'pod'
    # web and sidecar are in one namespace without a pod: one inspect of just those two says who joined whom
    assert [call[-6:-2] for call in runner.calls[1:]] == [['container', 'inspect', '--format', 'json']]
    assert len(runner.calls) == 2
    assert found['sidecar']['shares_with'] == ps['web']['Id']
    assert found['sidecar']['network_mode'] == 'container:' + ps['web']['Id']
    assert found['web']['shares_with'] is None
    # what ps does not say, the namespace's identity decides later
    assert found['hostnet']['host_network'] is None
    assert found['web']['pid'] == ps['web']['Pid'] and found['web']['image'] == 'localhost/lnt-busybox:latest'
    assert all('netns_inode' not in record for record in found.values())


def test_podman_inspect_of_a_container_gone_meanwhile_leaves_the_pids_to_decide(commands):
    runner = Runner({('ps', '--ns', '--pod', '--format', 'json'): (0, text('podman_ps.json'), ''),
                     ('--format', 'json'): (125, '[]', 'Error: inspecting object: no such container f025a3c40002\n')})
    found = by_name(engines.Podman(run=runner).containers())
    assert found['sidecar']['shares_with'] is None
    owner = containers.namespace_owner([found['web'], found['sidecar']])
    assert owner['name'] == 'web'  # the lower pid: it started first


# -- Docker -----------------------------------------------------------------------------------------------------

def test_docker_list_ids():
    ids = containers.docker_list_ids(load('docker_list.json'))
    assert len(ids) == 2 and all(len(container_id) == 64 for container_id in ids)
    with pytest.raises(ValueError):
        containers.docker_list_ids({'message': 'page not found'})


def test_docker_inspect_says_image_pod_and_infra():
    info = containers.parse_docker_inspect(load('docker_inspect_web.json'))
    assert info['image'] == 'lnt-busybox' and info['pod'] is None and not info['infra']
    doc = load('docker_inspect_web.json')
    doc['Config']['Labels'] = {'io.kubernetes.pod.name': 'web-1', 'io.kubernetes.pod.namespace': 'prod',
                               'io.kubernetes.docker.type': 'podsandbox'}
    info = containers.parse_docker_inspect(doc)
    assert info['pod'] == 'prod/web-1' and info['infra']
    record = containers.record('docker', info)
    assert record['kind'] == 'container' and record['path'] == info['sandbox_key']


# -- a pod through the CRI (crictl) --------------------------------------------------------------------------------

def crictl_runner():
    return Runner({
        ('pods', '-o', 'json'): (0, text('crictl_pods.json'), ''),
        ('inspectp', '-o', 'json', CRI_POD): (0, text('crictl_inspectp_containerd_ready.json'), ''),
        ('ps', '-o', 'json'): (0, text('crictl_ps.json'), ''),
    })


def test_a_cri_pod_sandbox_owns_the_namespace_of_its_containers(commands, cri_socket, monkeypatch):
    runner = crictl_runner()
    monkeypatch.setattr(engines_cri, 'has_command', lambda name: name == 'crictl')
    found, statuses = engines.list_containers(['containerd'], {'containerd_address': cri_socket}, run=runner)
    assert statuses == [{'runtime': 'containerd', 'where': 'containerd at %s (namespace k8s.io)' % cri_socket,
                         'state': 'listed', 'problem': None, 'containers': 2}]
    # the NOTREADY sandbox is not asked about, the exited container not listed
    assert [call[5:] for call in runner.calls] == [['pods', '-o', 'json'], ['inspectp', '-o', 'json', CRI_POD],
                                                   ['ps', '-o', 'json']]
    pod, nginx = found
    assert pod == {'runtime': 'containerd', 'kind': 'pod', 'id': CRI_POD, 'name': POD_NAME,
                   'image': 'registry.k8s.io/pause:3.6', 'pid': 41873, 'path': CRI_NETNS, 'network_mode': None,
                   'shares_with': None, 'host_network': None, 'infra': True, 'pod': POD_NAME}
    assert (nginx['id'], nginx['name'], nginx['shares_with'], nginx['pod'], nginx['pid'], nginx['image']) == (
        CRI_CONTAINER, 'nginx', CRI_POD, POD_NAME, None, 'docker.io/library/nginx:1.25')
    # the pod's namespace is where its netns path leads; nginx, without a handle of its own, is where its pod is
    netns = (4, 4026532777)
    monkeypatch.setattr(discovery, 'identity_of', lambda path: netns if path == CRI_NETNS else None)
    host = (4, 4026531840)
    groups = discovery.container_namespaces(found, host)
    assert list(groups) == [netns] and [record['name'] for record in groups[netns]] == [POD_NAME, 'nginx']
    assert pod['netns_inode'] == nginx['netns_inode'] == 4026532777 and pod['host_network'] is False
    assert discovery.container_owners(groups, host) == {netns: {
        'kind': 'pod', 'runtime': 'containerd', 'id': CRI_POD, 'name': POD_NAME, 'image': 'registry.k8s.io/pause:3.6',
        'pod': POD_NAME, 'containers': [POD_NAME, 'nginx']}}


def test_crictl_inspectp_of_several_pods_prints_several_documents():
    both = text('crictl_inspectp_containerd_ready.json') + text('crictl_inspectp_crio_ready.json')
    docs = containers.parse_json_documents(both)
    assert [doc['status']['metadata']['name'] for doc in docs] == ['web-7d9c8b6f5-x2k4p', 'coredns-5d78c9869d-8h7xq']
    assert containers.parse_json_documents('  \n') == []


def test_crictl_pod_gone_between_listing_and_inspecting_is_left_out(commands, cri_socket, monkeypatch):
    pods = load('crictl_pods.json')
    pods['items'][1]['state'] = 'SANDBOX_READY'
    gone = pods['items'][1]['id']
    runner = crictl_runner()
    runner.answers[('pods', '-o', 'json')] = (0, json.dumps(pods), '')
    monkeypatch.setattr(engines_cri, 'has_command', lambda name: name == 'crictl')
    found, _statuses = engines.list_containers(['containerd'], {'containerd_address': cri_socket}, run=runner)
    assert [record['name'] for record in found] == [POD_NAME, 'nginx']
    # all at once first (refused: one is gone), then one by one
    assert [call[5:] for call in runner.calls][1:4] == [['inspectp', '-o', 'json', CRI_POD, gone],
                                                        ['inspectp', '-o', 'json', CRI_POD],
                                                        ['inspectp', '-o', 'json', gone]]


# -- who owns a shared namespace ------------------------------------------------------------------------------

def record(name, pid=None, **fields):
    return containers.record('docker', dict({'id': name + '-id', 'name': name, 'pid': pid}, **fields))


def test_owner_rules():
    pause = record('pause', 300, infra=True)
    app = record('app', 200, shares_with='pause-id')
    assert containers.namespace_owner([app, pause])['name'] == 'pause'
    side = record('side', 100, shares_with='web-id')
    web = record('web', 150)
    assert containers.namespace_owner([side, web])['name'] == 'web'
    first, second = record('b', 20), record('a', 10)
    assert containers.namespace_owner([first, second])['name'] == 'a'
    assert containers.owner_view(web, [side, web])['containers'] == ['side', 'web']


# -- runtimes that are not there, or fail -----------------------------------------------------------------------

def test_a_runtime_that_is_not_there_or_fails_is_reported_and_the_others_listed(commands, tmp_path, monkeypatch):
    runner = Runner({
        ('ps', '--ns', '--pod', '--format', 'json'): (125, '', 'Error: database is locked\n'),
    })
    missing = str(tmp_path / 'docker.sock')
    found, statuses = engines.list_containers(['docker', 'podman', 'crio'], {'docker_host': 'unix://' + missing,
                                                                             'crio_address': missing}, run=runner)
    assert found == []
    states = dict((status['runtime'], (status['state'], status['problem'])) for status in statuses)
    assert states['docker'][0] == 'unavailable' and 'no such socket' in states['docker'][1]
    assert states['podman'] == ('failed', 'container: podman ps --ns --pod --format json failed: Error: database is '
                                          'locked')
    assert states['crio'] == ('unavailable', 'no CRI-O socket at %s' % missing)
