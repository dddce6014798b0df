# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading and planning routes against a FakeSession: adding, replacing, deleting, what the kernel would refuse,
exclusive (RouteSetResource) and the read-back view (_route.managed_view) that netns_info reports."""

import pytest

from ansible_collections.linuxnet.netns.plugins.module_utils import _route as route_module
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError
from ansible_collections.linuxnet.netns.tests.unit.plugins.module_utils.fakes import (
    RTPROT_BOOT, RTPROT_KERNEL, address, link, plan, route, texts,
)

RTN_LOCAL, RTN_BLACKHOLE, RTN_PROHIBIT, RTN_THROW = 2, 6, 8, 9
RTPROT_RA = 9


@pytest.fixture
def red(session):
    """netns red: eth0 (ifindex 2) with 198.18.0.1/24 and fd00::1/64, and the routes the kernel makes for them;
    eth1 (ifindex 3) without addresses."""
    session.add_netns('red').add_links('red', link(2, 'eth0', 'veth'), link(3, 'eth1', 'veth'))
    session.add_addresses('red', address(2, '198.18.0.1/24'), address(2, 'fd00::1/64'), address(2, 'fe80::1/64'))
    session.add_routes('red', route('198.18.0.0/24', oif=2, proto=RTPROT_KERNEL, src='198.18.0.1'),
                       route('198.18.0.1/32', oif=2, table=255, proto=RTPROT_KERNEL, scope=254, rtype=RTN_LOCAL),
                       route('fd00::/64', oif=2, proto=RTPROT_KERNEL, metric=256),
                       route('fe80::/64', oif=2, proto=RTPROT_KERNEL, metric=256))
    return session


def resource(prefix='', **params):
    return route_module.RouteResource(dict(params, netns='red'), prefix)


IDENTITY = {'dst': '198.18.1.0/24', 'netns': 'red', 'table': 254, 'metric': 0, 'family': 'inet'}


def test_add(red):
    result = plan(resource(dst='198.18.1.0/24', gateway='198.18.0.254'), red)
    assert result.before == dict(IDENTITY, state='absent')
    assert texts(result) == ["add route 198.18.1.0/24 via 198.18.0.254 in netns 'red'"]
    assert result.after == dict(IDENTITY, state='present', type='unicast', gateway='198.18.0.254', dev=None, src=None,
                                scope='global', onlink=False)


@pytest.mark.parametrize('params, text', [
    ({'gateway': '198.18.0.254', 'dev': 'eth0', 'metric': 100, 'table': 100},
     'default via 198.18.0.254 dev eth0 table 100 metric 100'),
    ({'dst': '::/0', 'gateway': 'fd00::fe'}, 'default via fd00::fe metric 1024'),
    ({'gateway': 'fe80::fe', 'dev': 'eth1'}, 'default via fe80::fe dev eth1 metric 1024'),
    ({'dst': '198.18.7.0/24', 'type': 'blackhole'}, 'blackhole 198.18.7.0/24'),
    ({'dst': '198.18.6.0/24', 'dev': 'eth1'}, '198.18.6.0/24 dev eth1'),
    ({'dst': '198.18.6.1', 'gateway': '198.18.9.1', 'dev': 'eth1', 'onlink': True},
     '198.18.6.1/32 via 198.18.9.1 dev eth1'),
])
def test_add_texts(red, params, text):
    assert texts(plan(resource(**params), red)) == ["add route %s in netns 'red'" % text]


def test_the_same_route_is_unchanged_and_the_kernel_picked_dev_is_kept(red):
    red.add_routes('red', route('198.18.1.0/24', gateway='198.18.0.254', oif=2))
    result = plan(resource(dst='198.18.1.0/24', gateway='198.18.0.254'), red)
    assert result.before == dict(IDENTITY, state='present', type='unicast', gateway='198.18.0.254', dev='eth0',
                                 src=None, scope='global', onlink=False)
    assert result.changes == []
    assert result.after == result.before


def test_replace_names_what_differs(red):
    red.add_routes('red', route('198.18.1.0/24', gateway='198.18.0.253', oif=2))
    result = plan(resource(dst='198.18.1.0/24', gateway='198.18.0.254'), red)
    assert texts(result) == ["replace route 198.18.1.0/24 via 198.18.0.254 dev eth0 in netns 'red' "
                             "(gateway 198.18.0.253 -> 198.18.0.254)"]
    result = plan(resource(dst='198.18.1.0/24', gateway='198.18.0.254', dev='eth1', onlink=True), red)
    assert texts(result) == ["replace route 198.18.1.0/24 via 198.18.0.254 dev eth1 in netns 'red' "
                             "(gateway 198.18.0.253 -> 198.18.0.254, onlink False -> True, dev eth0 -> eth1)"]


def test_a_route_replaced_by_one_without_device_has_none_after(red):
    red.add_routes('red', route('198.18.1.0/24', gateway='198.18.0.253', oif=2))
    result = plan(resource(dst='198.18.1.0/24', type='unreachable'), red)
    assert result.after['dev'] is None
    assert texts(result) == ["replace route unreachable 198.18.1.0/24 in netns 'red' "
                             "(type unicast -> unreachable, gateway 198.18.0.253 -> None)"]


def test_an_ipv6_prohibit_route_keeps_the_loopback_device_the_kernel_gave_it(red):
    # the kernel puts IPv6 routes of the non-unicast types on lo: a route described without dev matches
    red.add_routes('red', route('2001:db8::/32', oif=1, rtype=RTN_PROHIBIT))
    result = plan(resource(dst='2001:db8::/32', type='prohibit'), red)
    assert result.changes == []
    assert result.after == result.before
    assert result.after['dev'] == 'lo'


def test_delete(red):
    red.add_routes('red', route('198.18.1.0/24', gateway='198.18.0.253', oif=2))
    result = plan(resource(dst='198.18.1.0/24', state='absent'), red)
    assert texts(result) == ["delete route 198.18.1.0/24 via 198.18.0.253 dev eth0 in netns 'red'"]
    assert result.after == dict(IDENTITY, state='absent')
    assert plan(resource(dst='198.18.2.0/24', state='absent'), red).changes == []


def test_a_route_is_found_by_its_metric(red):
    # an IPv4 route of metric 0 has no RTA_PRIORITY in a dump; an IPv6 route always has one
    red.add_routes('red', route('0.0.0.0/0', gateway='198.18.0.254', oif=2, metric=100),
                   route('::/0', gateway='fd00::fe', oif=2))
    assert texts(plan(resource(gateway='198.18.0.254'), red)) == ["add route default via 198.18.0.254 in netns 'red'"]
    assert plan(resource(gateway='198.18.0.254', metric=100), red).changes == []
    assert plan(resource(dst='default', gateway='fd00::fe'), red).changes == []
    assert texts(plan(resource(dst='::/0', gateway='fd00::fe', metric=1), red)) == [
        "add route default via fd00::fe metric 1 in netns 'red'"]


# -- what the kernel would refuse ------------------------------------------------------------------------------

@pytest.mark.parametrize('params, message', [
    ({'gateway': '198.18.9.1'}, "gateway: 198.18.9.1 is not reachable from netns 'red': no address or link route "
                                "covers it (add an address in its subnet first, or set onlink)"),
    ({'gateway': '198.18.0.254', 'dev': 'eth1'}, "gateway: 198.18.0.254 is not reachable from netns 'red' on dev eth1: "
                                                 "no address or link route covers it (add an address in its subnet "
                                                 "first, or set onlink)"),
    ({'dst': '::/0', 'gateway': 'fd01::1'}, "gateway: fd01::1 is not reachable from netns 'red': no address or link "
                                            "route covers it (add an address in its subnet first, or set onlink)"),
    ({'gateway': '198.18.0.254', 'dev': 'eth7'}, "dev: eth7 does not exist in netns 'red'"),
    ({'gateway': '198.18.0.254', 'src': '198.18.0.99'}, "src: 198.18.0.99 is not an address of netns 'red'"),
])
def test_what_the_kernel_would_refuse_is_refused_first(red, params, message):
    with pytest.raises(NetnsError) as exc:
        plan(resource('routes[3].', **params), red)
    assert exc.value.msg == 'routes[3].' + message


def test_a_link_route_or_onlink_makes_a_gateway_reachable(red):
    assert plan(resource(gateway='198.18.9.1', dev='eth1', onlink=True), red).changes
    red.add_routes('red', route('198.18.9.0/24', oif=3, proto=RTPROT_BOOT))  # `ip route add 198.18.9.0/24 dev eth1`
    assert texts(plan(resource(gateway='198.18.9.1'), red)) == ["add route default via 198.18.9.1 in netns 'red'"]
    with pytest.raises(NetnsError):
        plan(resource(gateway='198.18.9.1', dev='eth0'), red)  # that link route is on eth1


# -- exclusive ---------------------------------------------------------------------------------------------------

def test_exclusive_deletes_only_the_managed_routes_not_described(red):
    red.add_routes('red',
                   route('0.0.0.0/0', gateway='198.18.0.254', oif=2),  # described
                   route('0.0.0.0/0', gateway='198.18.0.254', oif=2, metric=100),  # another metric: another route
                   route('198.18.5.0/24', gateway='198.18.0.253', oif=2, proto=RTPROT_BOOT),
                   route('198.18.7.0/24', rtype=RTN_BLACKHOLE),
                   route('198.18.6.0/24', oif=2),  # link scope: never touched
                   route('198.18.8.0/24', gateway='198.18.0.254', oif=2, table=100),  # another table
                   route('fd00:1::/64', gateway='fd00::fe', oif=2),  # another family
                   route('198.18.4.0/24', gateway='198.18.0.254', oif=2, proto=RTPROT_RA),
                   route('198.18.3.0/24', rtype=RTN_THROW))
    resources = route_module.build([('routes[0].', {'netns': 'red', 'gateway': '198.18.0.254', 'exclusive': True}),
                                    ('routes[1].', {'netns': 'red', 'dst': '198.18.3.0/24', 'type': 'blackhole'})])
    assert [(r.key(), r.label) for r in resources] == [
        ('route/0.0.0.0/0@red/table=254/metric=0', 'routes[0]'),
        ('route/198.18.3.0/24@red/table=254/metric=0', 'routes[1]'),
        ('routes/red/table=254/inet', 'routes (exclusive)')]
    routes = resources[2]
    result = plan(routes, red)
    assert texts(result) == [
        "delete route default via 198.18.0.254 dev eth0 metric 100 in netns 'red' (not described; exclusive)",
        "delete route 198.18.5.0/24 via 198.18.0.253 dev eth0 in netns 'red' (not described; exclusive)",
        "delete route blackhole 198.18.7.0/24 in netns 'red' (not described; exclusive)",
    ]
    assert result.before == {'netns': 'red', 'table': 254, 'family': 'inet', 'other_routes': [
        'default via 198.18.0.254 dev eth0 metric 100', '198.18.5.0/24 via 198.18.0.253 dev eth0',
        'blackhole 198.18.7.0/24']}
    assert result.after == {'netns': 'red', 'table': 254, 'family': 'inet', 'other_routes': []}
    # the throw route has the identity of routes[1] (a type is not part of it): kept, and replaced by it
    assert texts(plan(resources[1], red)) == ["replace route blackhole 198.18.3.0/24 in netns 'red' "
                                              "(type throw -> blackhole)"]


def test_exclusive_in_a_namespace_that_is_not_there_yet(session):
    session.virtual.add('red')
    resources = route_module.build([('', {'netns': 'red', 'dst': '198.18.7.0/24', 'type': 'blackhole',
                                          'exclusive': True})])
    assert plan(resources[1], session).changes == []


def test_without_exclusive_there_is_no_route_set():
    resources = route_module.build([('', {'gateway': '198.18.0.254'}),
                                    ('', {'dst': '::/0', 'gateway': 'fd00::1', 'exclusive': True})])
    assert [r.key() for r in resources] == ['route/0.0.0.0/0/table=254/metric=0', 'route/::/0/table=254/metric=1024',
                                            'routes//table=254/inet6']
    assert resources[2].label is None


# -- the read-back view --------------------------------------------------------------------------------------

@pytest.mark.parametrize('kernel_route, view', [
    (route('0.0.0.0/0', gateway='198.18.0.254', oif=2), {'dst': 'default', 'gateway': '198.18.0.254', 'dev': 'eth0'}),
    (route('::/0', gateway='fd00::fe', oif=2), {'dst': '::/0', 'gateway': 'fd00::fe', 'dev': 'eth0'}),
    (route('::/0', gateway='fd00::fe', oif=2, metric=100),
     {'dst': '::/0', 'gateway': 'fd00::fe', 'dev': 'eth0', 'metric': 100}),
    (route('0.0.0.0/0', gateway='198.18.0.254', metric=20, table=100),
     {'dst': 'default', 'gateway': '198.18.0.254', 'metric': 20, 'table': '100'}),
    (route('198.18.6.0/24', oif=2, proto=RTPROT_BOOT), {'dst': '198.18.6.0/24', 'dev': 'eth0'}),
    (route('198.18.6.0/24', oif=2, scope=0), {'dst': '198.18.6.0/24', 'dev': 'eth0', 'scope': 'global'}),
    (route('198.18.1.0/24', gateway='198.18.0.254', oif=2, src='198.18.0.1'),
     {'dst': '198.18.1.0/24', 'gateway': '198.18.0.254', 'dev': 'eth0', 'src': '198.18.0.1'}),
    (route('198.18.1.0/24', gateway='198.18.9.1', oif=2, flags=4),
     {'dst': '198.18.1.0/24', 'gateway': '198.18.9.1', 'dev': 'eth0', 'onlink': True}),
    (route('198.18.7.0/24', rtype=RTN_BLACKHOLE), {'dst': '198.18.7.0/24', 'type': 'blackhole'}),
    (route('fd00:7::/48', rtype=7), {'dst': 'fd00:7::/48', 'type': 'unreachable'}),
])
def test_managed_view(red, kernel_route, view):
    assert route_module.managed_view(kernel_route, red.links('red'), 'red') == dict(view, netns='red')
    assert route_module.managed_view(kernel_route, red.links('red'), None) == view
    # fed back to the route module, the view describes that very route
    red.add_routes('red', kernel_route)
    assert plan(resource(**view), red).changes == []


@pytest.mark.parametrize('kernel_route', [
    route('198.18.0.0/24', oif=2, proto=RTPROT_KERNEL),
    route('fd00::/64', oif=2, proto=RTPROT_RA),
    route('198.18.0.1/32', oif=2, table=255, proto=RTPROT_BOOT, rtype=RTN_LOCAL),
    route('198.18.3.0/24', rtype=RTN_THROW),
    route('198.18.1.0/24', gateway='198.18.0.254', tos=8),
    route('198.18.1.0/24', multipath=True),
])
def test_managed_view_leaves_out_what_the_module_does_not_manage(red, kernel_route):
    assert route_module.managed_view(kernel_route, red.links('red'), 'red') is None


def test_a_route_in_the_local_table_reads_the_local_table(red):
    # the reader leaves the local table out unless a route names it: a static route there is still found
    red.add_routes('red', route('198.18.9.0/24', gateway='198.18.0.254', oif=2, table=255))
    assert texts(plan(resource(dst='198.18.9.0/24', gateway='198.18.0.254', table='local'), red)) == []
    assert texts(plan(resource(dst='198.18.9.0/24', gateway='198.18.0.253', table='local'), red)) == [
        "replace route 198.18.9.0/24 via 198.18.0.253 dev eth0 table 255 in netns 'red' "
        "(gateway 198.18.0.254 -> 198.18.0.253)"]
    routes = route_module.build([('routes[0].', {'netns': 'red', 'dst': '198.18.8.0/24', 'gateway': '198.18.0.254',
                                                 'table': 'local', 'exclusive': True})])[1]
    assert texts(plan(routes, red)) == [
        "delete route 198.18.9.0/24 via 198.18.0.254 dev eth0 table 255 in netns 'red' (not described; exclusive)"]
