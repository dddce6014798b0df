#!/usr/bin/python
# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: attach
short_description: Name a container's or a process's network namespace under /run/netns (ip netns attach)
version_added: 0.1.0
description:
  - Gives an existing network namespace a name under C(/run/netns), so C(ip netns list), C(ip netns exec NAME) and
    the C(netns) option of every module of this collection can use it.
  - The namespace is that of a process (O(pid)), of any namespace file (O(path), for example a Docker C(SandboxKey)
    or C(/proc/PID/ns/net)), or of a container (O(container)) of Docker, Podman, containerd or CRI-O.
  - A container that shares another container's network (C(--network container:OTHER), which every non-pause
    container of a Kubernetes pod does) resolves to the container that owns the namespace. With containerd and
    CRI-O a pod, its sandbox (pause) container and each of its containers resolve to the pod's namespace.
  - The entry is compared with what was asked by namespace identity (C(st_dev) and C(st_ino) of the namespace
    file), never by path. The same namespace is left alone; another namespace at the name (the container was
    restarted) is re-linked and reported as a change with the inode before and after; a stale entry is replaced;
    an entry made with the other O(method) is converted.
  - With O(prune=true), entries under C(/run/netns) that no longer name a namespace are removed as well, or alone.
author:
  - linuxnet.netns maintainers (@linuxnet)
extends_documentation_fragment:
  - linuxnet.netns.netns
options:
  name:
    description:
      - Name to create under C(/run/netns).
      - Must not be empty, C(.) or C(..), contain C(/), or be longer than 255 bytes (the rules of iproute2).
      - Required unless O(prune=true) is given alone.
    type: str
  state:
    description:
      - V(present) makes O(name) name the namespace of O(pid), O(path) or O(container) (exactly one is required).
      - V(absent) removes the entry O(name) like C(ip netns del). A bind mount is unmounted (the namespace lives on
        while processes are in it); a symlink is unlinked and never followed, so its target is untouched.
        O(pid), O(path) and O(container) are not needed and not looked at.
    type: str
    choices: [present, absent]
    default: present
  pid:
    description:
      - A process whose network namespace to attach (its C(/proc/PID/ns/net)).
      - Mutually exclusive with O(path) and O(container).
    type: int
  path:
    description:
      - An absolute path of a network namespace file (an nsfs file of type net), for example C(/proc/PID/ns/net), a
        Docker C(SandboxKey) such as C(/var/run/docker/netns/0123456789ab), another name under C(/run/netns), a CNI
        netns.
      - Mutually exclusive with O(pid) and O(container).
    type: path
  container:
    description:
      - Name or id of a container whose network namespace to attach. A unique id prefix works where the runtime
        accepts one.
      - For containerd (through crictl) and CRI-O this may also be a pod sandbox id, a pod name, or
        C(NAMESPACE/POD); for Podman a pod name or id (its infra container holds the namespace).
      - The container must be running (or paused); a stopped container has no network namespace.
      - Mutually exclusive with O(pid) and O(path).
    type: str
  runtime:
    description:
      - Which container runtime to ask about O(container).
      - V(auto) asks Docker, Podman, containerd and CRI-O in that order and takes the first that knows the
        container; runtimes that are not installed or not running are skipped.
      - V(docker) uses the Engine API on O(docker_host). V(podman) runs O(podman_executable).
        V(containerd) runs C(crictl) against O(containerd_address) where C(crictl) is installed and C(ctr) (in
        O(containerd_namespace)) otherwise or when the CRI does not know the container. V(crio) runs C(crictl)
        against O(crio_address).
    type: str
    choices: [auto, docker, podman, containerd, crio]
    default: auto
  docker_host:
    description:
      - The Docker daemon's socket, as a C(unix://) URL (the form of C(DOCKER_HOST)) or an absolute path.
      - If not set, the environment variable E(DOCKER_HOST) of the module is used, then the default.
      - Only a local unix socket can be used, because the container's namespace must be on this host.
    type: str
    default: unix:///var/run/docker.sock
  podman_executable:
    description:
      - The C(podman) command, a name looked up in C(PATH) or an absolute path.
      - Podman reads its usual configuration, including E(CONTAINERS_CONF) and E(CONTAINERS_STORAGE_CONF).
    type: str
    default: podman
  podman_url:
    description:
      - URL of a Podman service to ask instead (C(podman --url), for example V(unix:///run/podman/podman.sock)).
    type: str
  containerd_address:
    description:
      - containerd's socket, an absolute path or a C(unix://) URL.
      - If not set, the environment variable E(CONTAINERD_ADDRESS) of the module is used, then the default.
    type: str
    default: /run/containerd/containerd.sock
  containerd_namespace:
    description:
      - The containerd namespace C(ctr) looks in. Kubernetes uses V(k8s.io); C(ctr run) and nerdctl use V(default).
      - If not set, the environment variable E(CONTAINERD_NAMESPACE) of the module is used, then the default.
    type: str
    default: k8s.io
  crio_address:
    description:
      - CRI-O's socket, an absolute path or a C(unix://) URL.
    type: str
    default: /var/run/crio/crio.sock
  method:
    description:
      - How the name refers to the namespace.
      - V(bind) bind-mounts the namespace onto C(/run/netns/NAME), like C(ip netns attach). Every tool sees it, and
        it keeps the namespace alive until the entry is removed. That is also its cost. When the container stops,
        its namespace and the interfaces in it (for example the ends of veths) stay alive and use memory until the
        entry is removed, and a restarted container gets a new namespace that this name does not follow until the
        module runs again.
      - V(symlink) makes C(/run/netns/NAME) a symlink to C(/proc/PID/ns/net) of the container's (or the given)
        process, as the seed tutorial does with C(ln -s); with O(path), or a pod without a process, a symlink to
        that namespace file. It holds nothing alive. When the process exits the link goes stale (dangling) and tools fail on it until the module runs again
        or O(prune) removes it. If the pid is reused, the link silently names the new process's namespace; the
        module compares identities and re-links, but other tools do not notice.
    type: str
    choices: [bind, symlink]
    default: bind
  allow_host_netns:
    description:
      - The host's network namespace is refused unless this is V(true). That covers a container on the host network
        (C(--network host), Kubernetes C(hostNetwork=true), a Docker C(SandboxKey) ending in C(/default)), and a pid or
        path whose namespace is the same as that of C(/proc/1/ns/net). Where C(/proc/1/ns/net) cannot be read, the
        module compares with the namespace it runs in.
      - Naming the host namespace is rarely intended. Deleting such an entry later is harmless, but commands run
        with C(ip netns exec NAME) then act on the host.
    type: bool
    default: false
  prune:
    description:
      - Also remove every stale entry under C(/run/netns) whose name matches O(prune_pattern). An entry is stale
        when it no longer refers to a live namespace. That means a symlink whose target is gone (for example to
        C(/proc/PID/ns/net) of a process that exited, as O(method=symlink) leaves behind), or an empty file with
        nothing mounted on it (left by an interrupted C(ip netns add) or a namespace that was unmounted elsewhere).
      - Never removed are bind mounts (they hold a live namespace, even one that has no process left), symlinks that
        resolve to a namespace (even if the pid was reused), and anything that is not a namespace entry (files with
        content, directories, symlinks to other files).
      - O(name) itself is not pruned; it is converged as described above.
      - Can be given without O(name) to only prune. The names removed are returned in RV(pruned).
    type: bool
  prune_pattern:
    description:
      - Shell pattern (as C(fnmatch)) that limits O(prune) to the names it matches, for example V(k8s-*), so that
        entries of other tools are left alone. Ignored unless O(prune=true).
    type: str
    default: '*'
notes:
  - Docker is asked through its Engine API over the unix socket with the Python standard library (no Docker SDK is
    needed). Podman, C(crictl) and C(ctr) are run as commands and must be installed on the target.
  - For a Docker container the runtime's namespace file (C(NetworkSettings.SandboxKey)) is used when it exists, else
    C(/proc/PID/ns/net) of the container's process (C(State.Pid)). Podman leaves C(SandboxKey) empty for
    C(--network none) and for containers that share another's network, so the pid is used.
  - RV(netns_inode) identifies a namespace only while it exists; the kernel may give the number of a freed namespace
    to a new one (a container restarted while only a symlink named it can come back with the same number). A bind
    entry keeps its namespace, and so its number, alive.
  - A bind mount is made from a file descriptor opened while planning, so the namespace that was checked (for
    example not the host's) is the one mounted even if the pid is recycled in between.
  - The resolution of CRI containers and pods (C(crictl inspectp) and C(crictl inspect) output of containerd and
    CRI-O) is tested with unit tests on recorded output, because C(crictl) is not packaged for Debian 12 where the
    integration tests run. Docker, Podman and containerd through C(ctr) are tested against real engines.
  - O(prune) holds the lock this collection takes on C(/run/netns) and looks at each entry again before removing it.
    C(ip netns add) does not take that lock; an C(ip netns add) running at the very moment of a prune may find its
    empty entry removed before it mounts onto it, and fail.
seealso:
  - module: linuxnet.netns.netns
  - module: linuxnet.netns.veth
  - name: ip-netns(8)
    description: C(ip netns attach NAME PID), whose bind mount O(method=bind) makes.
    link: https://man7.org/linux/man-pages/man8/ip-netns.8.html
  - name: Docker Engine API, inspect a container
    description: The C(NetworkSettings.SandboxKey), C(State.Pid) and C(HostConfig.NetworkMode) fields used here.
    link: https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Container/operation/ContainerInspect
'''

EXAMPLES = r'''
- name: Name the network namespace of a Docker container (ip netns attach web <pid>)
  linuxnet.netns.attach:
    name: web
    container: web
    runtime: docker

- name: A veth into it, then run the host's tools inside the container's network
  ansible.builtin.command: ip netns exec web ip -brief address
  changed_when: false

- name: The namespace of a Kubernetes pod on a containerd node, by namespace/name
  linuxnet.netns.attach:
    name: coredns
    container: kube-system/coredns-5d78c9869d-8h7xq
    runtime: containerd

- name: A process started with unshare --net, as the seed tutorial's ln -s does
  linuxnet.netns.attach:
    name: sandbox
    pid: 4242
    method: symlink

- name: Any namespace file, for example a Docker SandboxKey on a non-default data root
  linuxnet.netns.attach:
    name: db
    path: /var/run/docker/netns/0123456789ab

- name: Remove the name (the container keeps its namespace)
  linuxnet.netns.attach:
    name: web
    state: absent

- name: Remove dangling symlinks and empty entries left by exited processes, only among names starting with k8s-
  linuxnet.netns.attach:
    prune: true
    prune_pattern: k8s-*
  register: pruned

- name: Podman with a private configuration and a remote service
  linuxnet.netns.attach:
    name: api
    container: api
    runtime: podman
    podman_url: unix:///run/podman/podman.sock
'''

RETURN = r'''
name:
  description: Name of the entry under C(/run/netns).
  returned: when O(name) is given
  type: str
  sample: web
path:
  description: Path of the entry.
  returned: when O(name) is given
  type: str
  sample: /run/netns/web
state:
  description: State of the entry after the run (V(present) or V(absent)); in check mode, the state it would have.
  returned: when O(name) is given
  type: str
  sample: present
method:
  description: How the entry refers to the namespace (V(bind) or V(symlink)), or V(null) when it is absent.
  returned: when O(name) is given
  type: str
  sample: bind
symlink:
  description: Target of the entry when it is a symlink.
  returned: when the entry is a symlink
  type: str
  sample: /proc/4242/ns/net
netns_inode:
  description:
    - Inode number of the namespace the entry names (what C(stat -L -c %i /run/netns/NAME) and C(ls -l /proc/PID/ns/net)
      show), or V(null) when it is absent. Two names with the same inode name the same namespace.
  returned: when O(name) is given
  type: int
  sample: 4026532321
pid:
  description:
    - The process the source resolved to. For O(pid), that pid. For O(container), the main process of the container
      (or pod sandbox) that owns the namespace, if the runtime reports one. For O(path), the pid in a
      C(/proc/PID/ns/net) path, else V(null).
    - V(null) with O(state=absent).
  returned: when O(name) is given
  type: int
  sample: 4242
container_id:
  description:
    - Full id of the container that owns the namespace. When O(container) shares another container's network this
      is the other container. For containerd and CRI-O pods and their containers it is the pod sandbox id.
    - V(null) unless O(container) was used with O(state=present).
  returned: when O(name) is given
  type: str
  sample: 3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00998877665544332211
runtime:
  description: The runtime that knew the container (V(docker), V(podman), V(containerd), V(crio)), or V(null).
  returned: when O(name) is given
  type: str
  sample: docker
pruned:
  description: Names of the stale entries that were removed (in check mode, that would be removed).
  returned: when O(prune=true)
  type: list
  elements: str
  sample: [k8s-old]
actions:
  description: What was done (or, in check mode, would be done), one sentence per step.
  returned: always
  type: list
  elements: str
  sample:
    - "re-link netns web from netns inode 4026532321 to netns inode 4026532410 of Docker 'web' (3f4e5d6c7b8a) by a bind mount"
failed_object:
  description:
    - On a failure while reading or changing the object, the object it concerns (a failure of the parameters'
      validation changes nothing and does not return it).
  returned: failure
  type: str
  sample: attach/web
applied:
  description: On a failure while reading or changing the object, the steps already carried out (a re-run converges).
  returned: failure
  type: list
  elements: str
  sample: []
'''

from ansible_collections.linuxnet.netns.plugins.module_utils._attach import ATTACH, ATTACH_RULES, build
from ansible_collections.linuxnet.netns.plugins.module_utils._runner import run_module


def main():
    run_module(ATTACH, build, **ATTACH_RULES)


if __name__ == '__main__':
    main()
