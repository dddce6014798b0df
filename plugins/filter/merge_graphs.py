# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""linuxnet.netns.merge_graphs: the graphs netns_info returned on several hosts as one picture of the fleet
(documentation in merge_graphs.yml). The drawing is the collection's own (_graph), run on the controller."""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence

from ansible_collections.linuxnet.netns.plugins.module_utils import _graph as graphs

GRAPH_KEYS = ('clusters', 'nodes', 'edges')


def _graph_of(host, value):
    """The graph of one host: netns_info's graph return value, or a whole netns_info result holding one."""
    if isinstance(value, dict) and isinstance(value.get('graph'), dict):
        value = value['graph']
    if not isinstance(value, dict) or not all(is_sequence(value.get(key)) for key in GRAPH_KEYS):
        raise AnsibleFilterError('merge_graphs: the value for host %r is not a graph of linuxnet.netns.netns_info '
                                 '(register its result with graph=true, and give result or result.graph)' % host)
    return dict((key, list(value[key])) for key in GRAPH_KEYS)


def merge_graphs(graphs_by_host, name='fleet'):
    """{inventory host: graph} -> the fleet's graph with its dot and mermaid texts."""
    if not isinstance(graphs_by_host, dict) or not graphs_by_host:
        raise AnsibleFilterError('merge_graphs: expects a dictionary of inventory host names to netns_info graphs, '
                                 'got %s' % type(graphs_by_host).__name__)
    merged = graphs.merge(dict((str(host), _graph_of(host, value)) for host, value in graphs_by_host.items()))
    return graphs.render(merged, name)


class FilterModule:
    def filters(self):
        return {'merge_graphs': merge_graphs}
