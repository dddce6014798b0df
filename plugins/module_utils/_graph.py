# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A picture of a topology: namespaces (boxes holding their interfaces and addresses), bridges, and what joins
them (veth pairs, bridge ports, the parents of vxlan, macvlan and vlan links), as Graphviz DOT and Mermaid text.

Pure functions of what netns_info read: model() makes the graph of one host from its namespaces' link views,
merge() puts the graphs of several hosts into one picture of the fleet and joins the VXLAN endpoints that carry
the same segment, to_dot() and to_mermaid() write it. The graph is plain data (clusters, nodes, edges), returned
by netns_info so that merging needs nothing but the hosts' results.

Private to this collection: may change without notice.
"""

HOST = 'host'
# what joins two nodes
VETH = 'veth'
PORT = 'port'  # a device enslaved to a bridge (its master)
PARENT = 'parent'  # a vxlan, macvlan or vlan link on top of its parent device
OVERLAY = 'overlay'  # a VXLAN endpoint and the segment it carries, across hosts
EDGE_KINDS = (VETH, PORT, PARENT, OVERLAY)
PARENT_KINDS = ('vxlan', 'macvlan', 'vlan', 'ipvlan', 'macvtap')
VXLAN_OPTIONS = ('vxlan_id', 'dstport', 'local', 'remote', 'group')  # what a node of a VXLAN endpoint keeps
SEGMENT = 'segment'  # the node kind of a VXLAN segment between hosts
EMPTY = 'empty'  # the node kind standing for a namespace without interfaces (but lo)

FONT = 'DejaVu Sans'
# Graphviz attributes of each kind of node and edge (the class attribute names the kind in SVG output too)
NODE_STYLE = {
    'bridge': {'shape': 'box', 'style': 'rounded,filled,bold', 'fillcolor': '#fff3c4', 'color': '#b08800'},
    'vxlan': {'shape': 'box', 'style': 'rounded,filled', 'fillcolor': '#e3f2fd', 'color': '#1565c0'},
    SEGMENT: {'shape': 'ellipse', 'style': 'filled,bold', 'fillcolor': '#e3f2fd', 'color': '#1565c0'},
    EMPTY: {'shape': 'plaintext', 'style': '', 'fontcolor': '#777777'},
}
DEFAULT_NODE_STYLE = {'shape': 'box', 'style': 'rounded,filled', 'fillcolor': '#ffffff', 'color': '#555555'}
EDGE_STYLE = {
    VETH: {'penwidth': '2.5', 'color': '#2e7d32', 'fontcolor': '#2e7d32'},
    PORT: {'style': 'dashed', 'color': '#b08800', 'fontcolor': '#8a6d00'},
    PARENT: {'style': 'dotted', 'penwidth': '1.5', 'color': '#555555', 'dir': 'forward', 'arrowhead': 'vee'},
    OVERLAY: {'penwidth': '2.5', 'style': 'bold', 'color': '#1565c0', 'fontcolor': '#1565c0'},
}
MERMAID_EDGE = {VETH: '===', PORT: '-.-', PARENT: '-.->', OVERLAY: '==='}
# Graphviz places the label of an edge between two clusters in the gap between them, on a cluster's border as
# often as not: veth pairs (which join namespaces) are told by their line, which the legend under the picture
# names, instead of a label each.
DOT_UNLABELLED = (VETH, OVERLAY)
LEGEND = ((VETH, 'green \u2501\u2501 veth pair'), (PORT, '\u254c\u254c bridge port'),
          (PARENT, '\u2508\u2508\u25b8 on its parent device'), (OVERLAY, 'blue \u2501\u2501 VXLAN overlay'))
HOST_FILL = '#eeeeee'
NAMESPACE_FILL = '#f7fbf4'
FLEET_FILL = '#fafafa'


def node_id(cluster, name):
    return '%s/%s' % (cluster, name)


def _wanted_links(namespace):
    """The links of one namespace that go into the picture: every one but lo (unless it holds more than its own
    addresses); in the host namespace only those that take part (see model)."""
    addresses = namespace.get('addresses') or {}
    return [link for link in namespace.get('links') or []
            if link['name'] != 'lo' or addresses.get('lo')]


def model(namespaces):
    """The graph of one host.

    namespaces: one item each, {'id': its cluster id ('host' for the host's), 'label': title, 'notes': more
    lines (owner), 'host': bool, 'routes': [{'text', 'dev'}], 'links': link views (name, kind, master, link, vxlan_id...; a veth also
    peer and peer_cluster; a link with its parent in another namespace parent_cluster and parent), 'addresses':
    {device: [cidr]}}.

    The host namespace holds everything the host has (physical devices, container bridges...), so only what
    joins it to the other namespaces is drawn: veth ends whose peer is in one of them, their bridges with every
    port of those, and the parents of what is drawn.
    """
    by_id = dict((namespace['id'], namespace) for namespace in namespaces)
    links = {}  # (cluster, name) -> link view
    for namespace in namespaces:
        for link in _wanted_links(namespace):
            links[(namespace['id'], link['name'])] = link
    drawn = set(key for key in links if not by_id[key[0]].get('host'))
    if any(namespace.get('host') for namespace in namespaces):
        drawn |= _host_links(links, by_id, drawn)
    clusters = []
    for namespace in sorted(namespaces, key=lambda item: (not item.get('host'), item['id'])):
        if namespace.get('host') and not any(key[0] == namespace['id'] for key in drawn):
            continue  # nothing joins the host to the namespaces shown
        # the host's routes only where they go through what is drawn (not its uplink's default route, say)
        routes = [item['text'] for item in namespace.get('routes') or []
                  if not namespace.get('host') or (namespace['id'], item.get('dev')) in drawn]
        clusters.append({'id': namespace['id'], 'label': namespace.get('label') or namespace['id'],
                         'notes': list(namespace.get('notes') or []) + routes, 'host': bool(namespace.get('host')),
                         'parent': None})
    nodes = []
    for key in sorted(drawn):
        link = links[key]
        node = {'id': node_id(*key), 'cluster': key[0], 'name': key[1], 'kind': link.get('kind') or 'device',
                'addresses': list((by_id[key[0]].get('addresses') or {}).get(key[1]) or [])}
        if link.get('kind') == 'vxlan':
            node['vxlan'] = dict((option, link.get(option)) for option in VXLAN_OPTIONS)
        elif link.get('kind') == 'vlan':
            node['vlan_id'] = link.get('vlan_id')
        elif link.get('kind') == 'macvlan':
            node['macvlan_mode'] = link.get('macvlan_mode')
        nodes.append(node)
    for cluster in clusters:
        if not cluster['host'] and not any(node['cluster'] == cluster['id'] for node in nodes):
            # Graphviz draws no empty cluster: a namespace with nothing but lo (a container on --network none)
            # still shows, with a node that says so
            nodes.append({'id': node_id(cluster['id'], ''), 'cluster': cluster['id'], 'name': 'only lo',
                          'kind': EMPTY, 'addresses': []})
    return {'clusters': clusters, 'nodes': nodes, 'edges': _edges(links, drawn)}


def _host_links(links, by_id, drawn):
    """What of the host namespace joins the drawn namespaces (the closure described in model)."""
    host = set(key for key in links if by_id[key[0]].get('host'))
    taken = set()
    for key in host:
        link = links[key]
        if link.get('kind') == 'veth' and link.get('peer_cluster') not in (None, key[0]) \
                and (link['peer_cluster'], link.get('peer')) in drawn:
            taken.add(key)
    for key in drawn:  # parents in the host of links moved into a namespace
        link = links[key]
        if link.get('parent_cluster') and (link['parent_cluster'], link.get('parent')) in host:
            taken.add((link['parent_cluster'], link['parent']))
    while True:
        more = set()
        for key in taken:
            link = links[key]
            master = (key[0], link.get('master')) if link.get('master') else None
            if master in host:
                more.add(master)
            parent = _local_parent(key, link)
            if parent in host:
                more.add(parent)
        bridges = set(key for key in taken | more if links[key].get('kind') == 'bridge')
        more |= set(key for key in host if (key[0], links[key].get('master')) in bridges)
        if more <= taken:
            return taken
        taken |= more


def _local_parent(key, link):
    """(cluster, name) of the parent of a vxlan/macvlan/vlan in its own namespace, if it has one there."""
    parent = link.get('link')
    if link.get('kind') in PARENT_KINDS and parent and not str(parent).startswith('ifindex '):
        return (key[0], parent)
    return None


def _edges(links, drawn):
    edges = {}
    for key in sorted(drawn):
        link = links[key]
        if link.get('kind') == 'veth' and link.get('peer'):
            other = (link.get('peer_cluster'), link['peer'])
            if other in drawn:
                pair = tuple(sorted([key, other]))
                edges[(VETH,) + pair] = {'from': node_id(*pair[0]), 'to': node_id(*pair[1]), 'kind': VETH,
                                         'label': VETH}
        master = (key[0], link.get('master')) if link.get('master') else None
        if master in drawn:
            edges[(PORT, key, master)] = {'from': node_id(*key), 'to': node_id(*master), 'kind': PORT,
                                          'label': 'port'}
        parent = _local_parent(key, link)
        if link.get('parent_cluster'):
            parent = (link['parent_cluster'], link.get('parent'))
        if parent in drawn:
            edges[(PARENT, key, parent)] = {'from': node_id(*key), 'to': node_id(*parent), 'kind': PARENT,
                                            'label': _parent_label(link)}
    return [edges[key] for key in sorted(edges)]


def _parent_label(link):
    if link.get('kind') == 'vxlan':
        return 'vxlan %s on' % link.get('vxlan_id')
    if link.get('kind') == 'vlan':
        return 'vlan %s on' % link.get('vlan_id')
    return '%s on' % link.get('kind')


def merge(graphs):
    """One graph of a fleet from each host's graph ({inventory name: graph}): every host a cluster holding its
    namespaces, and each VXLAN segment (the same VNI and UDP port on several hosts) a node joined to the
    endpoint of every host that carries it."""
    clusters = []
    nodes = []
    edges = []
    segments = {}  # (vni, port) -> [(host, endpoint node id)]
    for host in sorted(graphs):
        graph = graphs[host] or {}
        prefix = '%s::' % host
        clusters.append({'id': host, 'label': host, 'notes': [], 'host': False, 'parent': None, 'fleet_host': True})
        for cluster in graph.get('clusters') or []:
            item = dict(cluster, id=prefix + cluster['id'], parent=prefix + cluster['parent'] if cluster.get('parent')
                        else host)
            if cluster.get('host') and cluster.get('label') == HOST:
                item['label'] = 'host namespace'  # inside the host's own cluster, which has its name
            clusters.append(item)
        for node in graph.get('nodes') or []:
            nodes.append(dict(node, id=prefix + node['id'], cluster=prefix + node['cluster']))
            vxlan = node.get('vxlan') or {}
            if vxlan.get('vxlan_id') is not None:
                segments.setdefault((vxlan['vxlan_id'], vxlan.get('dstport')), []).append((host, prefix + node['id']))
        for edge in graph.get('edges') or []:
            edges.append(dict(edge, **{'from': prefix + edge['from'], 'to': prefix + edge['to']}))
    for (vni, port), members in sorted(segments.items(), key=lambda item: (item[0][0], item[0][1] or 0)):
        if len(set(host for host, _node in members)) < 2:
            continue  # a VXLAN device no other host shares
        segment = 'overlay/vxlan-%s-%s' % (vni, port)
        nodes.append({'id': segment, 'cluster': None, 'name': 'VXLAN %s' % vni, 'kind': SEGMENT, 'addresses': [],
                      'vxlan': {'vxlan_id': vni, 'dstport': port}})
        for _host, endpoint in sorted(members):
            # no label: the segment's node says which it is, and a label on each edge only crowds the hosts
            edges.append({'from': endpoint, 'to': segment, 'kind': OVERLAY, 'label': ''})
    return {'clusters': clusters, 'nodes': nodes, 'edges': edges}


# -- text ---------------------------------------------------------------------------------------------------

def node_lines(node):
    """The lines of a node's label: its name, what kind it is when that says something, its addresses."""
    lines = [node['name']]
    kind = node.get('kind')
    if kind == 'vxlan':
        vxlan = node.get('vxlan') or {}
        detail = 'vxlan %s' % vxlan.get('vxlan_id')
        if vxlan.get('dstport') not in (None, 4789):
            detail += ' port %s' % vxlan['dstport']
        lines.append(detail)
    elif kind == 'vlan':
        lines.append('vlan %s' % node.get('vlan_id'))
    elif kind == 'macvlan':
        lines.append('macvlan %s' % (node.get('macvlan_mode') or ''))
    elif kind == SEGMENT:
        port = (node.get('vxlan') or {}).get('dstport')
        lines.append('segment' + ('' if port in (None, 4789) else ', UDP %s' % port))
    elif kind not in ('veth', 'device', EMPTY, None):
        lines.append(kind)
    lines.extend(node.get('addresses') or [])
    return [line.strip() for line in lines if line.strip()]


def cluster_lines(cluster):
    return [cluster['label']] + list(cluster.get('notes') or [])


def _dot_quote(text):
    return '"%s"' % str(text).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')


def _dot_attributes(attributes):
    return ', '.join('%s=%s' % (key, value if isinstance(value, Raw) else _dot_quote(value))
                     for key, value in sorted(attributes.items()))


class Raw(str):
    """An attribute value written as it is (already quoted and escaped)."""


def _dot_left(lines):
    """A label of lines each justified left (Graphviz's \\l ends a line so)."""
    return Raw('"%s"' % ''.join(_dot_quote(line)[1:-1] + '\\l' for line in lines))


def nested_lines(graph, opening, closing, node_line):
    """The lines of the clusters as they nest, each one's inner clusters and then its nodes, and after them the
    nodes of no cluster: what DOT and Mermaid text share. opening(cluster) gives a cluster's first lines,
    closing its last, node_line(node) a node's; each is indented by its depth."""
    children = {}
    for cluster in graph['clusters']:
        children.setdefault(cluster.get('parent'), []).append(cluster)
    members = {}
    for node in graph['nodes']:
        members.setdefault(node.get('cluster'), []).append(node)
    lines = []

    def emit(cluster, depth):
        pad = '  ' * depth
        lines.extend(pad + line for line in opening(cluster))
        for child in children.get(cluster['id'], []):
            emit(child, depth + 1)
        lines.extend('%s  %s' % (pad, node_line(node)) for node in members.get(cluster['id'], []))
        lines.append(pad + closing)

    for cluster in children.get(None, []):
        emit(cluster, 1)
    lines.extend('  %s' % node_line(node) for node in members.get(None, []))
    return lines


def to_dot(graph, name='netns'):
    """Graphviz DOT text of a graph: one statement a line, clusters for namespaces (and hosts)."""
    kinds = set(edge['kind'] for edge in graph['edges'])
    legend = '    '.join(text for kind, text in LEGEND if kind in kinds)
    lines = ['graph %s {' % _dot_quote(name),
             '  graph [%s];' % _dot_attributes({'rankdir': 'LR', 'fontname': FONT, 'fontsize': '10',
                                                'nodesep': '0.3', 'ranksep': '0.8', 'newrank': 'true',
                                                'labeljust': 'r', 'label': legend, 'labelloc': 'b',
                                                'fontcolor': '#555555'}),
             '  node [%s];' % _dot_attributes({'fontname': FONT, 'fontsize': '10', 'margin': '0.12,0.06'}),
             '  edge [%s];' % _dot_attributes({'fontname': FONT, 'fontsize': '9'})]
    lines.extend(nested_lines(graph, _dot_cluster, '}', lambda node: _dot_node(node) + ';'))
    for edge in graph['edges']:
        attributes = dict(EDGE_STYLE.get(edge['kind'], {}))
        if edge['kind'] not in DOT_UNLABELLED and edge.get('label'):
            attributes['label'] = edge['label']
        attributes['class'] = edge['kind']
        lines.append('  %s -- %s [%s];' % (_dot_quote(edge['from']), _dot_quote(edge['to']),
                                           _dot_attributes(attributes)))
    lines.append('}')
    return '\n'.join(lines) + '\n'


def _dot_cluster(cluster):
    fill = FLEET_FILL if cluster.get('fleet_host') else HOST_FILL if cluster.get('host') else NAMESPACE_FILL
    return ['subgraph %s {' % _dot_quote('cluster_' + cluster['id']), '  graph [%s];' % _dot_attributes({
        'label': _dot_left(cluster_lines(cluster)), 'labelloc': 't', 'fontcolor': '#000000',
        'style': 'rounded,filled', 'fillcolor': fill,
        'color': '#333333' if cluster.get('fleet_host') else '#999999', 'class': 'netns',
        'fontsize': '13' if cluster.get('fleet_host') else '11'})]


def _dot_node(node):
    attributes = dict(NODE_STYLE.get(node.get('kind'), DEFAULT_NODE_STYLE))
    attributes.update(label='\n'.join(node_lines(node)), **{'class': node.get('kind') or 'device'})
    return '%s [%s]' % (_dot_quote(node['id']), _dot_attributes(attributes))


def _mermaid_text(lines):
    return '"%s"' % '<br/>'.join(line.replace('"', '#quot;') for line in lines)


def to_mermaid(graph):
    """Mermaid flowchart text of a graph (GitHub and many wikis draw it): subgraphs for namespaces and hosts."""
    ids = {}
    for index, cluster in enumerate(graph['clusters']):
        ids[('cluster', cluster['id'])] = 'c%d' % index
    for index, node in enumerate(graph['nodes']):
        ids[('node', node['id'])] = 'n%d' % index
    lines = ['flowchart LR']
    lines.extend(nested_lines(
        graph, lambda cluster: ['subgraph %s[%s]' % (ids[('cluster', cluster['id'])],
                                                     _mermaid_text(cluster_lines(cluster)))],
        'end', lambda node: _mermaid_node(ids, node)))
    for edge in graph['edges']:
        lines.append('  %s %s|%s| %s' % (ids[('node', edge['from'])], MERMAID_EDGE[edge['kind']],
                                         _mermaid_text([edge.get('label') or edge['kind']]),
                                         ids[('node', edge['to'])]))
    return '\n'.join(lines) + '\n'


def _mermaid_node(ids, node):
    shape = '([%s])' if node.get('kind') == SEGMENT else '[%s]'
    return ids[('node', node['id'])] + shape % _mermaid_text(node_lines(node))


def render(graph, name='netns'):
    """The graph with its two texts: what netns_info returns as graph, and merge_graphs."""
    return dict(graph, dot=to_dot(graph, name), mermaid=to_mermaid(graph))
