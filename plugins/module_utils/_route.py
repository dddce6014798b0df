# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Routes in any namespace, identified the way the kernel does (family, dst, table, metric, tos).

Private to this collection: may change without notice.
"""

import errno
import ipaddress

from ansible_collections.linuxnet.netns.plugins.module_utils import _netlink as netlink
from ansible_collections.linuxnet.netns.plugins.module_utils import _nl as nl
from ansible_collections.linuxnet.netns.plugins.module_utils import _validate as validate
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import (
    ABSENT, PHASE_ROUTE, PRESENT, Change, Plan, Resource, labelled,
)
from ansible_collections.linuxnet.netns.plugins.module_utils._session import label, ns_suffix

RTPROT_STATIC = 4
RTNH_F_ONLINK = 4
RT_TABLE_MAIN = netlink.RT_TABLE_MAIN
RT_TABLE_LOCAL = netlink.RT_TABLE_LOCAL
# routes the kernel or router advertisements own: never removed by exclusive
UNMANAGED_PROTOCOLS = (1, 2, 9)  # redirect, kernel, ra
MANAGED_TYPES = ('unicast', 'blackhole', 'unreachable', 'prohibit', 'throw')
TYPE_NAMES = dict((number, name) for name, number in validate.ROUTE_TYPES.items())
DEFAULT_METRIC = {4: 0, 6: 1024}
SCOPE_UNIVERSE = 0
SCOPE_LINK = 253


def route_text(route):
    """One route the way `ip route` prints it, for messages and diffs."""
    words = []
    if route.get('type') not in (None, 'unicast'):
        words.append(route['type'])
    words.append(route['dst'] if route['dst'] not in ('0.0.0.0/0', '::/0') else 'default')
    if route.get('gateway'):
        words.extend(['via', route['gateway']])
    if route.get('dev'):
        words.extend(['dev', route['dev']])
    if route.get('table') not in (None, RT_TABLE_MAIN):
        words.extend(['table', str(route['table'])])
    if route.get('metric'):
        words.extend(['metric', str(route['metric'])])
    return ' '.join(words)


def managed_view(route, links, ns):
    """A kernel route in the route module's option shape (what netns_info reports and a topology takes back),
    or None for routes the module does not manage: the local table, the kernel's own and router
    advertisements', types other than unicast/blackhole/unreachable/prohibit, tos and multipath routes."""
    rtype = TYPE_NAMES.get(route['type'])
    if (route['table'] == RT_TABLE_LOCAL or rtype not in MANAGED_TYPES[:4] or route['proto'] in UNMANAGED_PROTOCOLS
            or route['tos'] or route['multipath']):
        return None
    family = route['family']
    view = {'dst': route['dst'] if route['dst_len'] else 'default' if family == 4 else '::/0'}
    if ns is not None:
        view['netns'] = ns
    if route['gateway']:
        view['gateway'] = route['gateway']
    if route['oif']:
        view['dev'] = links.name_of(route['oif'])
    metric = route['metric'] if route['metric'] is not None else 0
    if metric != DEFAULT_METRIC[family]:
        view['metric'] = metric
    if route['table'] != RT_TABLE_MAIN:
        view['table'] = str(route['table'])
    if rtype != 'unicast':
        view['type'] = rtype
    if route['src']:
        view['src'] = route['src']
    default_scope = SCOPE_LINK if family == 4 and rtype == 'unicast' and not route['gateway'] else SCOPE_UNIVERSE
    if family == 4 and route['scope'] != default_scope:
        view['scope'] = str(validate.scope_name(route['scope']))
    if route['flags'] & RTNH_F_ONLINK:
        view['onlink'] = True
    return view


class RouteResource(Resource):
    kind = 'route'
    section = 'routes'
    phase = PHASE_ROUTE

    def __init__(self, params, prefix=''):
        p = self.prefix = prefix
        self.netns = validate.optional_netns_name(params.get('netns'), p + 'netns')
        self.state = params.get('state') or PRESENT
        self.route_type = params.get('type') or 'unicast'
        if self.route_type not in MANAGED_TYPES[:4]:
            raise ParameterError(p + 'type', self.route_type, 'must be one of %s' % ', '.join(MANAGED_TYPES[:4]))
        self.gateway = None if params.get('gateway') is None else validate.ip_address(params['gateway'], p + 'gateway')
        self.src = None if params.get('src') is None else validate.ip_address(params['src'], p + 'src')
        self.dev = None if params.get('dev') is None else validate.ifname(params['dev'], p + 'dev')
        dst = params.get('dst')
        hint = None
        if dst in (None, 'default', 'all', 'any'):
            hint = (self.gateway or self.src).version if (self.gateway or self.src) else 4
        self.dst = validate.route_destination(dst, p + 'dst', family=hint)
        self.family = self.dst.version
        for name, value in (('gateway', self.gateway), ('src', self.src)):
            if value is not None and value.version != self.family:
                raise ParameterError(p + name, str(value), 'is IPv%d but the destination %s is IPv%d'
                                     % (value.version, self.dst, self.family))
        if self.route_type != 'unicast':
            for name in ('gateway', 'dev', 'src'):
                if params.get(name) is not None:
                    raise ParameterError(p + name, params.get(name), 'does not apply to a %s route' % self.route_type)
        self.onlink = bool(params.get('onlink'))
        if self.onlink and (self.gateway is None or self.dev is None):
            raise ParameterError(p + 'onlink', True, 'needs both gateway and dev')
        if (self.gateway is not None and self.family == 6 and self.gateway.is_link_local and self.dev is None
                and self.state == PRESENT):
            raise ParameterError(p + 'gateway', str(self.gateway), 'is an IPv6 link-local address: dev is required')
        if self.route_type == 'unicast' and self.gateway is None and self.dev is None and self.state == PRESENT:
            raise ParameterError(p + 'gateway', None, 'a unicast route needs gateway or dev (or use type blackhole, '
                                 'unreachable or prohibit)')
        self.table = validate.route_table(params.get('table'), p + 'table')
        metric = validate.integer(params.get('metric'), p + 'metric', 0, 0xFFFFFFFF)
        self.metric = DEFAULT_METRIC[self.family] if metric is None else metric
        scope = validate.route_scope(params.get('scope'), p + 'scope')
        if scope is not None and self.family == 6:
            raise ParameterError(p + 'scope', params.get('scope'), 'applies to IPv4 routes only (IPv6 routes have no scope)')
        if scope is None:
            # what `ip route add` picks: a unicast route without gateway is link-scope
            scope = SCOPE_LINK if (self.family == 4 and self.route_type == 'unicast' and self.gateway is None) else SCOPE_UNIVERSE
        self.scope = scope
        self.exclusive = bool(params.get('exclusive'))

    def key(self):
        return 'route/%s%s/table=%d/metric=%d' % (self.dst, ns_suffix(self.netns), self.table, self.metric)

    def netns_names(self):
        return (self.netns,)

    def devices(self):
        return ((self.netns, self.dev),) if self.dev else ()

    def removal_item(self):
        return {'dst': str(self.dst), 'netns': self.netns, 'table': str(self.table), 'metric': self.metric,
                'type': self.route_type}

    def _identity(self):
        return {'dst': str(self.dst), 'netns': self.netns, 'table': self.table, 'metric': self.metric,
                'family': 'inet' if self.family == 4 else 'inet6'}

    def _wanted(self):
        state = self._identity()
        state.update(state=PRESENT, type=self.route_type, gateway=None if self.gateway is None else str(self.gateway),
                     dev=self.dev, src=None if self.src is None else str(self.src),
                     scope=validate.scope_name(self.scope), onlink=self.onlink)
        return state

    def matches(self, route):
        """Does a parsed kernel route have this route's identity?"""
        if route['family'] != self.family or route['table'] != self.table or route['tos']:
            return False
        if TYPE_NAMES.get(route['type']) not in MANAGED_TYPES:
            return False
        metric = route['metric'] if route['metric'] is not None else DEFAULT_METRIC[4] if self.family == 4 else None
        return metric == self.metric and ipaddress.ip_network(route['dst']) == self.dst

    def _find(self, session):
        for route in session.routes_to(self.netns, self.family, self.table, str(self.dst)):
            if self.matches(route):
                return route
        return None

    def read(self, session):
        state = self._identity()
        state['state'] = ABSENT
        self._seen = None
        if not (session.is_virtual(self.netns) or session.exists(self.netns)):
            if self.state == ABSENT:
                return state
            session.require(self.netns, self.prefix + 'netns')
        route = self._find(session)
        if route is None:
            return state
        self._seen = route
        links = session.links(self.netns)
        state.update(state=PRESENT, type=TYPE_NAMES.get(route['type'], route['type']), gateway=route['gateway'],
                     dev=links.name_of(route['oif']) if route['oif'] else None, src=route['src'],
                     scope=validate.scope_name(route['scope']), onlink=bool(route['flags'] & RTNH_F_ONLINK))
        if route.get('multipath'):
            state['multipath'] = True
        return state

    def plan(self, session, before):
        if self.state == ABSENT:
            after = self._identity()
            after['state'] = ABSENT
            if before['state'] == ABSENT:
                return Plan(self, before, after)
            return Plan(self, before, after, [Change('delete route %s in %s' % (route_text(before), label(self.netns)),
                                                     self._delete)])
        after = self._wanted()
        self._check_reachable(session)
        if before['state'] == ABSENT:
            return Plan(self, before, after, [Change('add route %s in %s' % (route_text(after), label(self.netns)),
                                                     self._replace)])
        differing = []
        for key in ('type', 'gateway', 'scope', 'onlink'):
            if before.get(key) != after[key]:
                differing.append(key)
        for key in ('dev', 'src'):
            if after[key] is not None and before.get(key) != after[key]:
                differing.append(key)
        if before.get('multipath'):
            differing.append('multipath')
        # the kernel picks dev from the gateway and src from the device; a route of another type (blackhole,
        # unreachable...) has no src, and a device only on IPv6 (lo), kept while the type stays
        if not self.dev and (self.route_type == 'unicast' or before.get('type') == self.route_type):
            after['dev'] = before.get('dev')
        if not self.src and self.route_type == 'unicast':
            after['src'] = before.get('src')
        if not differing:
            return Plan(self, before, after)
        return Plan(self, before, after, [Change('replace route %s in %s (%s)' % (
            route_text(after), label(self.netns),
            ', '.join('%s %s -> %s' % (key, before.get(key), after.get(key)) for key in differing)), self._replace)])

    def _check_reachable(self, session):
        """Refuse, before any change, what the kernel would refuse: unknown dev, gateway or src not reachable."""
        p = self.prefix
        links = session.links(self.netns)
        dev_link = None
        if self.dev is not None:
            dev_link = links.get(self.dev)
            if dev_link is None:
                raise NetnsError('%sdev: %s does not exist in %s' % (p, self.dev, label(self.netns)),
                                 param=p + 'dev', value=self.dev)
        if self.gateway is None and self.src is None:
            return
        networks = []  # (dev name, network) of every connected subnet
        for item in session.addresses(self.netns):
            if item['family'] == self.family:
                networks.append((links.name_of(item['index']),
                                 ipaddress.ip_interface('%s/%d' % (item['address'], item['prefixlen']))))
        for (ns, dev), items in session.virtual_addresses.items():
            if ns == self.netns:
                networks.extend((dev, item) for item in items if item.version == self.family)
        if self.src is not None and not any(item.ip == self.src for _dev, item in networks):
            raise NetnsError('%ssrc: %s is not an address of %s' % (p, self.src, label(self.netns)),
                             param=p + 'src', value=str(self.src))
        if self.gateway is None or self.onlink or self.gateway.is_link_local:
            return
        for dev, item in networks:
            if self.gateway in item.network and (self.dev is None or dev == self.dev):
                return
        for route in session.routes(self.netns):
            if (route['family'] == self.family and route['scope'] == SCOPE_LINK and route['type'] == 1
                    and self.gateway in ipaddress.ip_network(route['dst'])
                    and (dev_link is None or route['oif'] == dev_link.get('index'))):
                return
        raise NetnsError('%sgateway: %s is not reachable from %s%s: no address or link route covers it '
                         '(add an address in its subnet first, or set onlink)'
                         % (p, self.gateway, label(self.netns), ' on dev %s' % self.dev if self.dev else ''),
                         param=p + 'gateway', value=str(self.gateway))

    def _request(self, route_type):
        return {'family': self.family, 'dst': str(self.dst.network_address), 'dst_len': self.dst.prefixlen,
                'table': self.table, 'metric': self.metric, 'rtype': route_type}

    def _replace(self, session):
        attrs = self._request(validate.ROUTE_TYPES[self.route_type])
        attrs.update(proto=RTPROT_STATIC, scope=self.scope)
        if self.gateway is not None:
            attrs['gateway'] = str(self.gateway)
        if self.dev is not None:
            link = session.links(self.netns).get(self.dev)
            if link is None:
                raise NetnsError('dev: %s no longer exists in %s' % (self.dev, label(self.netns)))
            attrs['oif'] = link['index']
        if self.src is not None:
            attrs['src'] = str(self.src)
        if self.onlink:
            attrs['flags'] = RTNH_F_ONLINK
        nl.call('setting route %s in %s' % (route_text(self._wanted()), label(self.netns)),
                session.socket(self.netns).route_replace, **attrs)
        session.invalidate(self.netns, 'routes')

    def _delete(self, session):
        attrs = self._request(self._seen['type'] if self._seen is not None else validate.ROUTE_TYPES[self.route_type])
        try:
            nl.call('deleting route %s in %s' % (self.dst, label(self.netns)), session.socket(self.netns).route_del,
                    **attrs)
        except NetnsError as exc:
            if not exc.has_errno(errno.ESRCH):  # gone already: that is the goal
                raise
        session.invalidate(self.netns, 'routes')


class RouteSetResource(Resource):
    """exclusive: in one namespace, table and family, no managed route other than the ones described."""

    kind = 'routes'
    phase = PHASE_ROUTE
    mergeable = True  # one per namespace, table and family, made by the builder
    whole = False

    def __init__(self, netns, table, family, keep):
        self.netns = netns
        self.table = table
        self.family = family
        self.keep = list(keep)  # RouteResources

    def key(self):
        return 'routes/%s/table=%d/inet%s' % (self.netns or '', self.table, '' if self.family == 4 else '6')

    def netns_names(self):
        return (self.netns,)

    def _identity(self):
        return {'netns': self.netns, 'table': self.table, 'family': 'inet' if self.family == 4 else 'inet6'}

    def _extra(self, session):
        extra = []
        if self.netns is not None and not session.exists(self.netns):
            return extra
        for route in session.routes(self.netns, local=self.table == RT_TABLE_LOCAL):
            if route['family'] != self.family or route['table'] != self.table:
                continue
            if route['proto'] in UNMANAGED_PROTOCOLS or route['scope'] != SCOPE_UNIVERSE:
                continue  # the kernel's own and link-scope routes are never touched
            if TYPE_NAMES.get(route['type']) not in MANAGED_TYPES:
                continue
            if any(wanted.matches(route) for wanted in self.keep):
                continue
            extra.append(route)
        return extra

    def _describe(self, session, route):
        links = session.links(self.netns)
        return route_text({'dst': route['dst'], 'gateway': route['gateway'], 'type': TYPE_NAMES.get(route['type']),
                           'dev': links.name_of(route['oif']) if route['oif'] else None, 'table': route['table'],
                           'metric': route['metric']})

    def read(self, session):
        state = self._identity()
        self._seen = self._extra(session)
        state['other_routes'] = [self._describe(session, route) for route in self._seen]
        return state

    def plan(self, session, before):
        after = dict(before, other_routes=[])
        changes = [Change('delete route %s in %s (not described; exclusive)' % (text, label(self.netns)),
                          self._deleter(route)) for text, route in zip(before['other_routes'], self._seen)]
        return Plan(self, before, after, changes)

    def _deleter(self, route):
        def run(session):
            network = ipaddress.ip_network(route['dst'])
            attrs = {'family': self.family, 'dst': str(network.network_address), 'dst_len': network.prefixlen,
                     'table': route['table'], 'metric': route['metric'], 'rtype': route['type'], 'tos': route['tos']}
            try:
                nl.call('deleting route %s in %s' % (route['dst'], label(self.netns)), session.socket(self.netns).route_del,
                        **attrs)
            except NetnsError as exc:
                if not exc.has_errno(errno.ESRCH):
                    raise
            session.invalidate(self.netns, 'routes')
        return run


def build(items):
    """The resources of route items: [(label prefix, validated parameters with state)].

    A route with exclusive also removes every other managed route of its namespace, table and family: one
    RouteSetResource per such group keeps all the group's described routes.
    """
    resources = []
    groups = {}
    for prefix, params in items:
        route = labelled(RouteResource(params, prefix), prefix)
        resources.append(route)
        if route.state == PRESENT:
            group = groups.setdefault((route.netns, route.table, route.family), {'keep': [], 'exclusive': False})
            group['keep'].append(route)
            group['exclusive'] = group['exclusive'] or route.exclusive
    for (netns, table, family), group in sorted(groups.items(), key=lambda pair: repr(pair[0])):
        if group['exclusive']:
            routes = RouteSetResource(netns, table, family, group['keep'])
            routes.label = 'routes (exclusive)' if group['keep'][0].label else None
            resources.append(routes)
    return resources
