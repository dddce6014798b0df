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


class Section:
    """One list of a topology description.

    built_when_removing: whether removing the whole topology (state absent) turns this section's items into
    removals. Sysctls have no value to go back to and /etc/netns files of namespaces the topology keeps are
    removed through ownership, so those two sections are skipped then.
    """

    __slots__ = ('name', 'spec', 'build', 'built_when_removing')

    def __init__(self, name, spec, build, built_when_removing=True):
        self.name = name
        self.spec = spec
        self.build = build
        self.built_when_removing = built_when_removing


# in the order a description lists them (the reconcile stages decide the order of changes)
SECTIONS = (
    Section('namespaces', argspec.NETNS, netns.build_namespaces),
    Section('sysctls', argspec.TOPOLOGY_SYSCTLS, netns.build_sysctls, built_when_removing=False),
    Section('etc_files', argspec.TOPOLOGY_ETC_FILES, netns.build_etc_files, built_when_removing=False),
    Section('links', argspec.LINK, link.build),
    Section('veths', argspec.VETH, veth.build),
    Section('addresses', argspec.ADDRESS, address.build),
    Section('routes', argspec.ROUTE, route.build),
    Section('firewalls', argspec.FIREWALL, firewall.build),
)
BY_NAME = dict((section.name, section) for section in SECTIONS)

# the topology module's argument spec: one list of items per section
TOPOLOGY = dict(argspec.TOPOLOGY_OPTIONS, **dict(
    (section.name, dict(type='list', elements='dict', default=[])) for section in SECTIONS))
