# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading back the DOT text _graph.to_dot writes, cluster by cluster, node by node and edge by edge: for
test_graph.py, and for the integration target that checks the picture of a real topology (run as a script, it
reads DOT on stdin and prints the elements as JSON).

Only what to_dot writes is understood (one statement a line); anything else is an error, so a change of the
format shows here first.
"""

import json
import re
import sys

STATEMENT = re.compile(r'^\s*(?:(?P<open>subgraph "(?P<cluster>(?:[^"\\]|\\.)*)" \{)|(?P<close>\})|'
                       r'(?P<attrs>graph \[(?P<graph>.*)\];)|'
                       r'"(?P<a>(?:[^"\\]|\\.)*)"(?: -- "(?P<b>(?:[^"\\]|\\.)*)")? \[(?P<list>.*)\];)$')
ATTRIBUTE = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
DEFAULTS = ('node [', 'edge [')


class DotError(ValueError):
    """Text that is not DOT as to_dot writes it."""


def unquote(text):
    """The text of a quoted DOT string; \\n, \\l and \\r (line ends centred, left, right) are all a line end, and
    the one at the end of a label is dropped."""
    text = re.sub(r'\\(.)', lambda match: '\n' if match.group(1) in 'nlr' else match.group(1), text)
    return text[:-1] if text.endswith('\n') else text


def parse_dot(text):
    """{graph: attributes, clusters: {id: (parent, attributes)}, nodes: {id: (cluster, attributes)},
    edges: {(a, b): attributes}}."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith('graph "') or not lines[0].endswith('{') or lines[-1] != '}':
        raise DotError('not a graph { ... } of to_dot')
    clusters, nodes, edges, graph = {}, {}, {}, {}
    stack = []
    for line in lines[1:-1]:
        if line.strip().startswith(DEFAULTS):
            continue
        if not stack and line.strip().startswith('graph ['):
            graph.update((key, unquote(value)) for key, value in ATTRIBUTE.findall(line))
            continue
        match = STATEMENT.match(line)
        if not match:
            raise DotError('not a statement to_dot writes: %r' % line)
        attributes = dict((key, unquote(value)) for key, value in ATTRIBUTE.findall(
            match.group('graph') or match.group('list') or ''))
        if match.group('open'):
            name = unquote(match.group('cluster'))
            if not name.startswith('cluster_'):
                raise DotError('a subgraph that is not a cluster: %r' % line)
            stack.append(name[len('cluster_'):])
            clusters[stack[-1]] = (stack[-2] if len(stack) > 1 else None, {})
        elif match.group('close'):
            if not stack:
                raise DotError('} without a subgraph')
            stack.pop()
        elif match.group('attrs'):
            clusters[stack[-1]][1].update(attributes)
        elif match.group('b') is not None:
            key = (unquote(match.group('a')), unquote(match.group('b')))
            if key in edges:
                raise DotError('edge %s -- %s twice' % key)
            edges[key] = attributes
        else:
            node = unquote(match.group('a'))
            if node in nodes:
                raise DotError('node %s twice' % node)
            nodes[node] = (stack[-1] if stack else None, attributes)
    if stack:
        raise DotError('subgraph %s not closed' % stack[-1])
    return {'graph': graph, 'clusters': clusters, 'nodes': nodes, 'edges': edges}


def as_lists(elements):
    """The elements as JSON-friendly lists, sorted: what the integration target compares."""
    return {
        'legend': elements['graph'].get('label'),
        'clusters': sorted([name, parent, attributes.get('label')] for name, (parent, attributes)
                           in elements['clusters'].items()),
        'nodes': sorted([name, cluster, attributes.get('label'), attributes.get('class')]
                        for name, (cluster, attributes) in elements['nodes'].items()),
        'edges': sorted([a, b, attributes.get('class'), attributes.get('label')]
                        for (a, b), attributes in elements['edges'].items()),
    }


if __name__ == '__main__':
    try:
        print(json.dumps(as_lists(parse_dot(sys.stdin.read())), indent=1))
    except DotError as exc:
        sys.exit('dot_reader: %s' % exc)
