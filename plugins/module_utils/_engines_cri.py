# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Asking containerd and CRI-O which network namespace a container or pod is in.

Both are asked through command-line tools that print JSON, which _containers interprets: crictl, which speaks
the CRI to either (Kubernetes pods), and ctr, which speaks to containerd without the CRI (plain containerd
containers). _engines chooses among these clients and Docker's and Podman's by runtime name; the CRI ones
are a module of their own, apart from the two runtimes that have a container API of their own, so that
neither half outgrows the size this collection keeps its files to.

Private to this collection: may change without notice.
"""

import os
import re

from ansible_collections.linuxnet.netns.plugins.module_utils._containers import (
    LABELS, LIVE_STATES, NotFound, Unavailable, cri_pod_record, cri_pod_target, ctr_target, describe_container,
    parse_cri_container, parse_cri_containers, parse_cri_pod, parse_cri_pod_list, parse_cri_pods, parse_ctr_container,
    parse_ctr_containers, parse_ctr_tasks, parse_json_documents, record, short_id, unix_socket_path,
)
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError
from ansible_collections.linuxnet.netns.plugins.module_utils._process import (
    find_command, has_command, last_line, load_json, run_command,
)


class Crictl:
    """A CRI runtime (containerd's CRI plugin, CRI-O) through crictl."""

    def __init__(self, runtime, address, param, run=run_command):
        self.runtime = runtime
        self.address = address
        self.param = param
        self.run = run
        self.endpoint = 'unix://' + unix_socket_path(address, param)

    def call(self, *args):
        return load_json(self.output(*args), 'crictl ' + ' '.join(args))

    def output(self, *args):
        argv = [find_command('crictl'), '--runtime-endpoint', self.endpoint, '--timeout', '10s']
        argv.extend(args)
        rc, out, err = self.run(argv)
        if rc != 0:
            message = last_line(err)
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
            message = last_line(err)
            if 'not found' in message.lower():
                raise NotFound(message)
            if 'connect' in message.lower():
                raise Unavailable('containerd_address', 'ctr cannot reach containerd at %s: %s'
                                  % (self.address, message))
            raise NetnsError('container: ctr %s failed: %s' % (' '.join(args), message))
        return out

    def lookup(self, ref):
        try:
            container = parse_ctr_container(load_json(self.call('containers', 'info', ref), 'ctr containers info'))
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
                target = ctr_target(parse_ctr_container(load_json(self.call('containers', 'info', entry['id']),
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
