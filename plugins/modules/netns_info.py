#!/usr/bin/python
# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: netns_info
short_description: List network namespaces, named or not, who owns them, and with details or a graph their topology
version_added: 0.1.0
description:
  - Lists every entry under C(/run/netns) (what C(ip netns list) shows), whether it is live or stale, its nsid and
    the pids of the processes inside.
  - Optionally also lists other directories of namespace files, such as Docker's C(/var/run/docker/netns), whose
    entries C(ip netns list) does not show.
  - With O(unnamed=true), also every network namespace that has no name under C(/run/netns) but is held by a
    process or mounted elsewhere (what C(lsns -t net) shows), such as those of containers, pods, services with
    C(PrivateNetwork=) and C(unshare --net) shells. Each namespace is listed once, by its identity (device and inode).
  - With O(owners=true), says who owns each namespace, asking the container runtimes of O(runtimes) which
    containers run and where. The owner is a container (runtime, id, name, image), a Kubernetes pod (from the
    runtime's labels, or the CRI's pod sandbox), else the systemd service of a process inside (from its cgroup),
    else that process. Also returns every running container as RV(containers), with the namespace it is in.
  - With O(details=true), adds each namespace's links (kind, veth peer and its namespace, state, MTU, MAC, master),
    addresses and routes, and returns the whole as RV(topology), in the shape of the M(linuxnet.netns.topology)
    module's options, so it can be fed back (a converged topology read back this way is unchanged).
  - With O(graph=true), returns the topology as a picture, RV(graph), in Graphviz DOT and Mermaid text, of the namespaces
    with their interfaces and addresses, bridges, veth pairs, bridge ports and the parents of vxlan, macvlan and vlan
    links. The P(linuxnet.netns.merge_graphs#filter) filter joins the graphs of several hosts into one of the fleet.
  - Whatever cannot be read is said on its item and the rest is listed. That is an entry that is not a network namespace, a
    process that exits while it is listed or whose C(/proc) entry cannot be read (RV(unreadable)), a namespace whose
    processes all exit meanwhile (state V(gone)), a runtime that is not there or fails (RV(runtimes)).
author:
  - linuxnet.netns maintainers (@linuxnet)
extends_documentation_fragment:
  - linuxnet.netns.netns.INFO_MODULE
  - linuxnet.netns.netns
options:
  names:
    description: Only these namespaces. All of them when omitted.
    type: list
    elements: str
  details:
    description: Also read each namespace's links, addresses and routes, and return RV(topology).
    type: bool
    default: false
  extra_dirs:
    description:
      - Other directories of namespace files to list, for example V(/var/run/docker/netns). A directory that does not
        exist lists nothing.
    type: list
    elements: path
    default: []
  unnamed:
    description:
      - Also list the network namespaces without a name under C(/run/netns), those processes are in
        (C(/proc/*/ns/net)) and those mounted elsewhere (C(/proc/self/mountinfo)), the host's own included (with
        C(host=true)). Each is listed with V(null) as its name and a path that opens it as its C(path).
      - Not with O(names), which lists only those names.
    type: bool
    default: false
  owners:
    description:
      - Say who owns each listed namespace (C(owner)), the names that point at it from any directory (C(names)) and
        the command of each process in it (C(processes)); return the running containers of O(runtimes) as
        RV(containers) and what each runtime answered as RV(runtimes).
      - With O(names=[]), no namespace is listed and only the containers are (the M(linuxnet.netns.attach) names of
        the P(linuxnet.netns.container_links#role) role come from this listing).
    type: bool
    default: false
  graph:
    description:
      - Return the topology as a picture, RV(graph), of the namespaces listed (with O(unnamed), those without a name
        too) and what of the host namespace joins them. Reads what O(details) reads; returns the details themselves
        only with O(details=true).
    type: bool
    default: false
  runtimes:
    description:
      - The container runtimes O(owners=true) asks. A runtime that is not there (no socket, nobody listening, no
        command) is reported in RV(runtimes) and skipped.
      - V(docker) uses the Engine API on O(docker_host). V(podman) runs O(podman_executable). V(containerd) runs
        C(crictl) against O(containerd_address) where it is installed and the CRI answers, else C(ctr) (in
        O(containerd_namespace)). V(crio) runs C(crictl) against O(crio_address).
    type: list
    elements: str
    choices: [docker, podman, containerd, crio]
    default: [docker, podman, containerd, crio]
  docker_host:
    description:
      - The Docker daemon's socket, as for O(linuxnet.netns.attach#module:docker_host) (E(DOCKER_HOST) if set).
    type: str
    default: unix:///var/run/docker.sock
  podman_executable:
    description: The C(podman) command, as for O(linuxnet.netns.attach#module:podman_executable).
    type: str
    default: podman
  podman_url:
    description: A Podman service to ask instead, as for O(linuxnet.netns.attach#module:podman_url).
    type: str
  containerd_address:
    description:
      - containerd's socket, as for O(linuxnet.netns.attach#module:containerd_address) (E(CONTAINERD_ADDRESS) if set).
    type: str
    default: /run/containerd/containerd.sock
  containerd_namespace:
    description:
      - The containerd namespace C(ctr) lists, as for O(linuxnet.netns.attach#module:containerd_namespace)
        (E(CONTAINERD_NAMESPACE) if set).
    type: str
    default: k8s.io
  crio_address:
    description: CRI-O's socket, as for O(linuxnet.netns.attach#module:crio_address).
    type: str
    default: /var/run/crio/crio.sock
notes:
  - The veth peers of namespaces are matched by their interface indexes across all namespaces, and the kernel is asked
    for namespace identities only when that is ambiguous, so listing hundreds of namespaces stays fast.
  - Without O(unnamed), O(owners) and O(graph), nothing beyond the entries and C(/proc/*/ns/net) is read. With
    O(unnamed=true) and O(owners=true), 500 namespaces held by processes and Docker and Podman containers are listed
    in one call in under two seconds of module time on a 2-core machine (C(bench/discovery.py)).
  - Rendering a picture needs Graphviz on the controller, for example C(dot -Tsvg graph.dot -o graph.svg).
seealso:
  - module: linuxnet.netns.topology
  - module: linuxnet.netns.netns
  - module: linuxnet.netns.attach
  - plugin: linuxnet.netns.merge_graphs
    plugin_type: filter
'''

EXAMPLES = r'''
- name: What ip netns list would show, with pids and nsids
  linuxnet.netns.netns_info:
  register: info

- name: Stale entries (a symlink to a dead process's namespace, an unmounted entry)
  ansible.builtin.debug:
    msg: "{{ info.namespaces | selectattr('state', 'ne', 'live') | map(attribute='name') | list }}"

- name: Everything about two namespaces, and Docker's namespaces too
  linuxnet.netns.netns_info:
    names: [ns1, ns2]
    details: true
    extra_dirs: [/var/run/docker/netns]
  register: details

- name: Re-apply what exists on another host
  linuxnet.netns.topology: "{{ details.topology }}"
  delegate_to: standby

- name: Every network namespace, named or not, and who owns it
  linuxnet.netns.netns_info:
    unnamed: true
    owners: true
  register: everything

- name: The namespace of the container web, which has no name under /run/netns
  ansible.builtin.debug:
    msg: "{{ everything.namespaces | selectattr('owner.name', 'defined') | selectattr('owner.name', 'eq', 'web') }}"

- name: Who is in the namespace of a veth's peer, given the inode lsns shows
  ansible.builtin.debug:
    msg: "{{ (everything.namespaces | selectattr('netns_inode', 'eq', 4026532481) | first).owner }}"

- name: A picture of ns1 and ns2
  linuxnet.netns.netns_info:
    names: [ns1, ns2]
    graph: true
  register: picture

- name: Drawn by Graphviz on the controller
  ansible.builtin.shell: dot -Tsvg -o /tmp/scene.svg <<'EOF'
    {{ picture.graph.dot }}
    EOF
  delegate_to: localhost
  changed_when: true
'''

RETURN = r'''
namespaces:
  description:
    - One item per entry under C(/run/netns); with O(unnamed=true), then one per namespace without a name there (the
      host's first).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Entry name; V(null) for a namespace without a name.
      type: str
      sample: ns1
    path:
      description: Entry path; for a namespace without a name, a path that opens it (C(/proc/PID/ns/net), a mount).
      type: str
      sample: /run/netns/ns1
    state:
      description:
        - V(live) (a namespace), V(stale) (a dangling symlink or an entry with nothing mounted) or V(invalid).
        - V(gone) for a namespace without a name whose processes all exited while it was being listed.
      type: str
      sample: live
    method:
      description: V(bind) (a bind mount, as C(ip netns add) makes) or V(symlink); V(null) without a name.
      type: str
      sample: bind
    symlink:
      description: Target of a symlink entry.
      type: str
      returned: when the entry is a symlink
      sample: /proc/4242/ns/net
    problem:
      description: Why the entry is not live.
      type: str
      returned: when not live
      sample: a symlink to /proc/4242/ns/net, which no longer exists
    netns_inode:
      description: Inode of the namespace (what C(stat -L) shows; equal inodes are the same namespace).
      type: int
      returned: when live
      sample: 4026532300
    nsid:
      description: The id the host namespace has for it, or V(null).
      type: int
      sample: 0
    pids:
      description: Processes inside.
      type: list
      elements: int
      sample: [4242]
    host:
      description: Whether it is the host's own network namespace (that of pid 1).
      type: bool
      returned: with O(unnamed=true) or O(owners=true), when live
      sample: false
    names:
      description:
        - Every name that points at it, under C(/run/netns), in O(extra_dirs) or mounted anywhere else, with the
          directory it is in (C(name), C(dir), C(path)).
      type: list
      elements: dict
      returned: with O(unnamed=true) or O(owners=true), when live
      sample: [{"name": "ns1", "dir": "/run/netns", "path": "/run/netns/ns1"}]
    processes:
      description:
        - The processes inside with their commands (C(pid), C(command)); one that exited while it was being listed has
          V(null) as command and says so in C(problem).
      type: list
      elements: dict
      returned: with O(unnamed=true) or O(owners=true), when live
      sample: [{"pid": 4242, "command": "sleep 3600"}]
    owner:
      description:
        - Who holds it. C(kind) is V(container) (with C(runtime), C(id), C(name), C(image), C(pod) and the
          C(containers) in it by name), V(pod) (a CRI pod sandbox, whose C(name) is C(namespace/name)), V(service)
          (C(unit), C(pid)), V(process) (C(pid), C(command)) or V(host) (the host's own namespace); V(null) for a
          namespace no process is in (held by a name only).
        - A container that joined another's namespace (C(--network container:X), a pod's members) is listed in
          C(containers) of X's.
      type: dict
      returned: with O(owners=true), when live
      sample: {"kind": "container", "runtime": "docker", "id": "9c7d25340b83a4656e15150a58a8e19b696a03cfeb48a6524815bd86ee935cd4",
               "name": "web", "image": "nginx:1.25", "pod": null, "containers": ["web", "web-sidecar"]}
    links:
      description: With O(details), its links (name, kind, mtu, mac, up, master, and for veths peer and peer_netns).
      type: list
      elements: dict
      returned: with O(details=true)
      sample: [{"name": "eth0", "kind": "veth", "mtu": 1500, "mac": "02:00:00:00:00:02", "up": true, "master": "",
                "peer": "veth-ns1", "peer_netns": null}]
    addresses:
      description: With O(details), addresses by device, without link-local and C(lo)'s own.
      type: dict
      returned: with O(details=true)
      sample: {"eth0": ["10.200.1.2/24"]}
    routes:
      description: With O(details), the routes M(linuxnet.netns.route) manages (not the kernel's own), in its option shape.
      type: list
      elements: dict
      returned: with O(details=true)
      sample: [{"dst": "default", "netns": "ns1", "gateway": "10.200.1.1", "dev": "eth0"}]
extra:
  description:
    - Entries of O(extra_dirs), each with O(extra_dirs) item as C(dir), and name, path, state, pids; with O(owners),
      also host, names, processes and owner as in RV(namespaces).
  returned: always
  type: list
  elements: dict
  sample: [{"dir": "/var/run/docker/netns", "name": "b63ec59b3d9e", "state": "live", "pids": [31817]}]
unreadable:
  description: Processes whose namespace could not be read (not those that exited meanwhile), with the reason.
  returned: with O(unnamed=true)
  type: list
  elements: dict
  sample: [{"pid": 812, "problem": "reading /proc/812/ns/net: permission denied"}]
containers:
  description:
    - Every running container of O(runtimes), and for CRI runtimes every ready pod sandbox (C(kind=pod)).
    - C(path) is the runtime's own handle on the namespace (a SandboxKey, a CRI netns path), C(shares_with) the id of
      the container or pod whose namespace it joined, C(infra) whether it is a pod's infra or pause container,
      C(host_network) whether it uses the host's namespace, C(netns_inode) the namespace it is in, C(netns) that
      namespace's name under C(/run/netns) (or V(null)), C(problem) why its namespace could not be found.
  returned: with O(owners=true)
  type: list
  elements: dict
  sample: [{"runtime": "docker", "kind": "container", "id": "588eba197e2f583b40675db4ea1b2d0ceba38926f62817c9c2a097e6fc646be5",
            "name": "web", "image": "nginx:1.25", "pid": 31817, "path": "/var/run/docker/netns/b63ec59b3d9e",
            "network_mode": "bridge", "shares_with": null, "host_network": false, "infra": false, "pod": null,
            "netns_inode": 4026532481, "netns": null}]
runtimes:
  description:
    - What each runtime of O(runtimes) answered. C(state) is V(listed), V(unavailable) (not there, that is no socket, nobody
      listening, no command; C(problem) says which) or V(failed) (it answered with an error, in C(problem)).
  returned: with O(owners=true)
  type: list
  elements: dict
  sample: [{"runtime": "docker", "where": "Docker at unix:///var/run/docker.sock", "state": "listed", "problem": null,
            "containers": 3}, {"runtime": "crio", "where": "CRI-O at /var/run/crio/crio.sock", "state": "unavailable",
            "problem": "no CRI-O socket at /var/run/crio/crio.sock", "containers": 0}]
graph:
  description:
    - With O(graph=true), the topology as a picture. C(dot) is Graphviz DOT text and C(mermaid) Mermaid flowchart
      text of the same graph. Each namespace is a box (a cluster) holding its interfaces with their addresses, and
      saying its owner and routes; bridges and VXLAN endpoints are nodes of their own; edges are veth pairs
      (C(veth)), bridge ports (C(port)) and the parents of vxlan, macvlan and vlan links (C(parent)).
    - C(clusters), C(nodes) and C(edges) are the same graph as data, which the
      P(linuxnet.netns.merge_graphs#filter) filter merges across hosts.
  returned: with O(graph=true)
  type: dict
  contains:
    dot:
      description: Graphviz DOT text (C(dot -Tsvg) or C(dot -Tpng) draws it).
      type: str
      sample: "graph \"netns\" {\n ...}\n"
    mermaid:
      description: Mermaid flowchart text.
      type: str
      sample: "flowchart LR\n ..."
    clusters:
      description: One per namespace drawn (C(id), C(label), C(notes), C(host), C(parent)).
      type: list
      elements: dict
      sample: [{"id": "netns/ns1", "label": "ns1", "notes": [], "host": false, "parent": null}]
    nodes:
      description: One per interface or bridge (C(id), C(cluster), C(name), C(kind), C(addresses); a vxlan's C(vxlan)).
      type: list
      elements: dict
      sample: [{"id": "netns/ns1/eth0", "cluster": "netns/ns1", "name": "eth0", "kind": "veth", "addresses": ["10.200.0.1/24"]}]
    edges:
      description: What joins two nodes (C(from), C(to), C(kind) V(veth), V(port) or V(parent), C(label)).
      type: list
      elements: dict
      sample: [{"from": "netns/ns1/eth0", "to": "netns/ns2/eth0", "kind": "veth", "label": "veth"}]
topology:
  description:
    - With O(details=true), what exists as options of M(linuxnet.netns.topology) (namespaces, veths with an end in a
      listed namespace, links, addresses including those of host veth ends, routes, and the nftables tables
      M(linuxnet.netns.firewall) manages, as C(firewalls) items).
    - Veths whose peer is in a namespace without a name here (a container's) are left out.
  returned: with O(details=true)
  type: dict
  sample: {"namespaces": [{"name": "ns1"}], "veths": [{"name": "veth-ns1", "peer": "eth0", "peer_netns": "ns1", "up": true}],
           "links": [], "addresses": [{"dev": "eth0", "netns": "ns1", "address": ["10.200.1.2/24"]}], "routes": []}
'''

from ansible_collections.linuxnet.netns.plugins.module_utils._info import NETNS_INFO, run


def main():
    run(NETNS_INFO)


if __name__ == '__main__':
    main()
