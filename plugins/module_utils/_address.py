# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""IP addresses on a device in any namespace, matched on normalised address and prefix.

Private to this collection: may change without notice.
"""

import errno
import ipaddress

from ansible_collections.linuxnet.netns.plugins.module_utils import _netlink as netlink
from ansible_collections.linuxnet.netns.plugins.module_utils import _nl as nl
from ansible_collections.linuxnet.netns.plugins.module_utils import _validate as validate
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import (
    ABSENT, PHASE_ADDRESS, PRESENT, Change, Plan, Resource, labelled,
)
from ansible_collections.linuxnet.netns.plugins.module_utils._session import label, ns_suffix

LINK_LOCAL_V6 = ipaddress.ip_network('fe80::/10')
LOOPBACK = (ipaddress.ip_interface('127.0.0.1/8'), ipaddress.ip_interface('::1/128'))
# what a resource has not seen or planned yet: shared, since a topology holds thousands of resources
NONE = frozenset()


def sort_key(interface):
    return (interface.version, int(interface.ip), interface.network.prefixlen)


def kernel_made(item, dev):
    """Addresses the kernel adds by itself when a link comes up: IPv6 link-local, and lo's own."""
    return (item.version == 6 and item.ip in LINK_LOCAL_V6) or (dev == 'lo' and item in LOOPBACK)


def as_text(interfaces, dev, listed=()):
    """The addresses shown in results and diffs: kernel-made ones only if listed, since they appear
    asynchronously and would make a diff depend on timing."""
    return [str(item) for item in sorted(interfaces, key=sort_key) if not kernel_made(item, dev) or item in listed]


def interface_of(item):
    """The ip_interface of a parsed kernel address."""
    return ipaddress.ip_interface('%s/%d' % (item['address'], item['prefixlen']))


def addresses_by_device(session, ns):
    """{device name: [cidr, ...]} of the addresses of a namespace a user would manage (netns_info), in the
    address module's order and spelling."""
    links = session.links(ns)
    found = {}
    for item in session.addresses(ns):
        dev = links.name_of(item['index'])
        if dev is not None:
            found.setdefault(dev, set()).add(interface_of(item))
    return dict((dev, as_text(items, dev)) for dev, items in found.items() if as_text(items, dev))


class AddressResource(Resource):
    """The addresses of one device: listed ones present (or absent); with exclusive, no others of their family."""

    kind = 'address'
    section = 'addresses'
    phase = PHASE_ADDRESS
    mergeable = True  # a topology may list one device in several items: its builder merges them
    whole = False

    def __init__(self, params, prefix=''):
        self.prefix = prefix
        self.dev = validate.ifname(params['dev'], prefix + 'dev')
        self.netns = validate.optional_netns_name(params.get('netns'), prefix + 'netns')
        self.state = params.get('state') or PRESENT
        raw = params.get('address')
        if raw is None:
            raw = []
        if not isinstance(raw, (list, tuple)):
            raw = [raw]
        self.addresses = set()
        for index, item in enumerate(raw):
            self.addresses.add(validate.interface_cidr(item, prefix + 'address' + ('[%d]' % index if len(raw) > 1 else '')))
        self.exclusive = bool(params.get('exclusive'))
        if self.exclusive and not self.addresses and self.state == PRESENT:
            raise ParameterError(prefix + 'exclusive', True, 'needs at least one address: it removes the other '
                                 'addresses of the families listed')
        if not self.addresses and not self.exclusive:
            raise ParameterError(prefix + 'address', raw, 'needs at least one address')
        self.nodad = True if params.get('nodad') is None else bool(params['nodad'])
        self._seen = NONE
        self._secondary = NONE
        self._planned_add = NONE

    def key(self):
        return 'address/%s%s' % (self.dev, ns_suffix(self.netns))

    def netns_names(self):
        return (self.netns,)

    def devices(self):
        return ((self.netns, self.dev),)

    def owned(self, plan):
        # each address this run adds, on its own: another description may own the device's other addresses
        for item in sorted(self._planned_add, key=sort_key):
            yield ('%s/%s' % (self.key(), item), self.section,
                   {'dev': self.dev, 'netns': self.netns, 'address': [str(item)]})

    def ownership_keys(self):
        return set('%s/%s' % (self.key(), item) for item in self.addresses)

    def _identity(self):
        return {'dev': self.dev, 'netns': self.netns}

    def _current(self, session):
        """(link, set of ip_interface) for the device, or (None, None) if it does not exist."""
        if not (session.is_virtual(self.netns) or session.exists(self.netns)):
            if self.state == ABSENT:
                return None, None
            session.require(self.netns, self.prefix + 'netns')
        link = session.links(self.netns).get(self.dev)
        if link is None:
            if self.state == ABSENT:
                return None, None
            raise NetnsError('%sdev: %s does not exist in %s' % (self.prefix, self.dev, label(self.netns)),
                             param=self.prefix + 'dev', value=self.dev)
        current = set()
        secondary = set()
        if link.get('index') is not None:
            for item in session.addresses_of(self.netns, link['index']):
                interface = interface_of(item)
                current.add(interface)
                if item.get('flags', 0) & netlink.IFA_F_SECONDARY:
                    secondary.add(interface)
        self._secondary = secondary or NONE
        current.update(session.virtual_addresses.get((self.netns, self.dev), ()))
        return link, current

    def read(self, session):
        state = self._identity()
        link, current = self._current(session)
        state['addresses'] = as_text(current or (), self.dev, self.addresses)
        state['state'] = PRESENT if link is not None else ABSENT
        self._seen = current or NONE
        return state

    def plan(self, session, before):
        current = self._seen
        after = self._identity()
        if before['state'] == ABSENT:
            after.update(state=ABSENT, addresses=[])
            return Plan(self, before, after)
        add = set()
        remove = set()
        if self.state == PRESENT:
            add = self.addresses - current
            if self.exclusive:
                # in a topology, several items may name the device: their addresses are merged, all kept
                families = set(item.version for item in self.addresses)
                for item in current - self.addresses:
                    if item.version not in families:
                        continue
                    if kernel_made(item, self.dev):
                        continue  # link-local and lo's own addresses are the kernel's, kept unless listed
                    remove.add(item)
        else:
            remove = self.addresses & current
        changes = []
        kept = current - remove
        # secondaries first: removing an IPv4 primary address makes the kernel remove the secondaries of its
        # subnet too (unless promote_secondaries is set), so a primary's removal re-adds kept secondaries
        for item in sorted(remove, key=lambda item: (item not in self._secondary, sort_key(item))):
            restore = []
            if item.version == 4 and item not in self._secondary:
                restore = sorted((other for other in kept & self._secondary if other.network == item.network),
                                 key=sort_key)
            text = 'remove %s from %s in %s' % (item, self.dev, label(self.netns))
            if restore:
                text += ', keeping its secondary %s' % ', '.join(str(other) for other in restore)
            changes.append(Change(text, self._remover(item, restore)))
        for item in sorted(add, key=sort_key):
            changes.append(Change('add %s to %s in %s' % (item, self.dev, label(self.netns)), self._adder(item)))
        after.update(state=PRESENT, addresses=as_text((current - remove) | add, self.dev, self.addresses))
        self._planned_add = add or NONE
        self._seen = self._secondary = NONE  # read() made them for this plan alone
        return Plan(self, before, after, changes)

    def _index(self, session):
        link = session.links(self.netns).get(self.dev)
        if link is None or link.get('index') is None:
            raise NetnsError('dev: %s no longer exists in %s' % (self.dev, label(self.netns)))
        return link['index']

    def _adder(self, item):
        def run(session):
            # without NODAD an IPv6 address stays "tentative" for ~2 s and cannot be used as a source
            flags = netlink.IFA_F_NODAD if (item.version == 6 and self.nodad) else 0
            try:
                nl.call('adding %s to %s in %s' % (item, self.dev, label(self.netns)),
                        session.socket(self.netns).address_add, self._index(session), str(item.ip),
                        item.network.prefixlen, flags)
            except NetnsError as exc:
                if not exc.has_errno(errno.EEXIST):  # added meanwhile by someone else: that is the goal
                    raise
            session.invalidate(self.netns, 'addresses', 'routes')
        return run

    def _remover(self, item, restore=()):
        def run(session):
            try:
                nl.call('removing %s from %s in %s' % (item, self.dev, label(self.netns)),
                        session.socket(self.netns).address_del, self._index(session), str(item.ip),
                        item.network.prefixlen)
            except NetnsError as exc:
                if not exc.has_errno(errno.EADDRNOTAVAIL, errno.ENODEV):  # already gone: that is the goal
                    raise
            session.invalidate(self.netns, 'addresses', 'routes')
            if restore:
                index = self._index(session)
                left = set(interface_of(entry) for entry in session.addresses_of(self.netns, index))
                for other in restore:
                    if other not in left:
                        self._adder(other)(session)
        return run

    def simulate(self, session, plan):
        if self._planned_add:
            session.virtual_addresses.setdefault((self.netns, self.dev), set()).update(self._planned_add)


def build(items):
    """The resources of address items: [(label prefix, validated parameters with state)].

    One resource per device and state: several items naming one device (in a topology) are merged, and an
    address described both present and absent is an error.
    """
    merged = {}
    for prefix, params in items:
        resource = labelled(AddressResource(params, prefix), prefix)
        key = (resource.key(), resource.state)
        first = merged.get(key)
        if first is None:
            merged[key] = resource
            continue
        first.addresses |= resource.addresses
        first.exclusive = first.exclusive or resource.exclusive
        first.label = '%s+%s' % (first.label, resource.label)
    resources = list(merged.values())
    # exclusive keeps every address described for the device, whichever item lists it
    present = dict((r.key(), r) for r in resources if r.state == PRESENT)
    for resource in resources:
        if resource.state == ABSENT and resource.key() in present:
            clash = resource.addresses & present[resource.key()].addresses
            if clash:
                raise ParameterError((resource.label or '') + '.address', sorted(str(a) for a in clash),
                                     'is described both present (%s) and absent' % present[resource.key()].label)
    return resources
