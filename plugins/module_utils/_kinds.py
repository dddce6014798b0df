# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The object kinds a description holds: for each section of a topology, the argument spec of its items
(the single-object module's own) and the builder that turns validated items into resources.

The topology module, purge (re-building removals from the ownership record) and the boot applier build
resources only through this table, and a single-object module calls the same builder with one item, so there
is one way in for every kind. A new kind is its own file (a Resource and a build function) plus one entry here
and its argument spec in _argspec.

Private to this collection: may change without notice.
"""

from ansible_collections.linuxnet.netns.plugins.module_utils import _address as address
from ansible_collections.linuxnet.netns.plugins.module_utils import _argspec as argspec
from ansible_collections.linuxnet.netns.plugins.module_utils import _firewall as firewall
from ansible_collections.linuxnet.netns.plugins.module_utils import _link as link
from ansible_collections.linuxnet.netns.plugins.module_utils import _netns as netns
from ansible_collections.linuxnet.netns.plugins.module_utils import _route as route
from ansible_collections.linuxnet.netns.plugins.module_utils import _veth as veth
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import ABSENT, ObjectInside, labelled


class Section:
    """One list of a topology description.

    objects: the Resource class of the section's objects (what an item not built is counted as).
    built_when_removing: whether removing the whole topology (state absent) turns this section's items into
    removals. Sysctls have no value to go back to and /etc/netns files of namespaces the topology keeps are
    removed through ownership, so those two sections are skipped then.
    netns_option: the option of an item naming the namespace its object lives in and goes away with, taking
    nothing outside along. None for namespaces themselves, and for veths: removing one removes its other end,
    possibly in another namespace, whose addresses then go too (only the built veth knows that end).
    """

    __slots__ = ('name', 'spec', 'build', 'objects', 'built_when_removing', 'netns_option')

    def __init__(self, name, spec, build, objects, built_when_removing=True, netns_option='netns'):
        self.name = name
        self.spec = spec
        self.build = build
        self.objects = objects
        self.built_when_removing = built_when_removing
        self.netns_option = netns_option

    def build_removing(self, items, namespaces):
        """build, except that the removal of an object inside one of namespaces (which the same run removes) is
        an ObjectInside: it goes with its namespace, unbuilt and unread."""
        if not namespaces or self.netns_option is None:
            return self.build(items)
        built = []
        inside = []
        for prefix, params in items:
            netns = params.get(self.netns_option)
            if params.get('state') == ABSENT and netns in namespaces:
                inside.append(labelled(ObjectInside(self.objects, netns), prefix))
            else:
                built.append((prefix, params))
        return self.build(built) + inside


# in the order a description lists them (the reconcile stages decide the order of changes)
SECTIONS = (
    Section('namespaces', argspec.NETNS, netns.build_namespaces, netns.NetnsResource, netns_option=None),
    Section('sysctls', argspec.TOPOLOGY_SYSCTLS, netns.build_sysctls, netns.SysctlResource,
            built_when_removing=False),
    Section('etc_files', argspec.TOPOLOGY_ETC_FILES, netns.build_etc_files, netns.EtcFilesResource,
            built_when_removing=False),
    Section('links', argspec.LINK, link.build, link.LinkResource),
    Section('veths', argspec.VETH, veth.build, veth.VethResource, netns_option=None),
    Section('addresses', argspec.ADDRESS, address.build, address.AddressResource),
    Section('routes', argspec.ROUTE, route.build, route.RouteResource),
    Section('firewalls', argspec.FIREWALL, firewall.build, firewall.FirewallResource),
)
BY_NAME = dict((section.name, section) for section in SECTIONS)

# the topology module's argument spec: one list of items per section
TOPOLOGY = dict(argspec.TOPOLOGY_OPTIONS, **dict(
    (section.name, dict(type='list', elements='dict', default=[])) for section in SECTIONS))
