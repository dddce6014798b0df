# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Links: veth pairs with each end in any namespace, and bridge/dummy/vlan/macvlan/vxlan links.

Private to this collection: may change without notice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno

from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.plugins.module_utils import _nl as nl
from ansible_collections.linuxnet.netns.plugins.module_utils import _validate as validate
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import (
    ABSENT, PHASE_LINK, PRESENT, Change, Plan, Resource,
)
from ansible_collections.linuxnet.netns.plugins.module_utils._session import label

LINK_KINDS = ('bridge', 'dummy', 'vlan', 'macvlan', 'vxlan')
MACVLAN_MODES = {'private': 1, 'vepa': 2, 'bridge': 4, 'passthru': 8, 'source': 16}
VXLAN_DEFAULT_PORT = 4789


def ns_suffix(ns):
    return '' if ns is None else '@%s' % ns


# -- small kernel operations shared by veth and link -----------------------

def _set_link(session, ns, name, what, **attrs):
    """One RTM_NEWLINK 'set' on the link called name in ns (looked up again: indexes change on re-creation)."""
    link = session.links(ns).get(name)
    if link is None:
        raise NetnsError('%s: %s no longer exists in %s' % (what, name, label(ns)))
    nl.call('%s (%s in %s)' % (what, name, label(ns)), session.socket(ns).link_set, link['index'], **attrs)
    session.invalidate(ns, 'links')


def _delete_link(session, ns, name):
    link = session.links(ns).get(name)
    if link is None:
        return
    try:
        nl.call('deleting %s in %s' % (name, label(ns)), session.socket(ns).link_del, link['index'])
    except NetnsError as exc:
        if exc.value != errno.ENODEV:  # already gone (its peer's namespace went away): that is the goal
            raise
    session.invalidate(ns, 'links')


def lo_changes(session, namespaces):
    """Bring lo up in each non-host namespace where it is down (a namespace starts with lo down)."""
    changes = []
    state = {}
    for ns in namespaces:
        if ns is None or ns in state:
            continue
        lo = session.links(ns).get('lo')
        state[ns] = bool(lo and lo['up']) if not session.is_virtual(ns) else False
        if not state[ns]:
            changes.append(Change('set lo up in %s' % label(ns), _lo_up(ns)))
    return changes, state


def _lo_up(ns):
    def run(session):
        # lo is ifindex 1 in every namespace: no lookup needed
        nl.call('setting lo up in %s' % label(ns), session.socket(ns).link_set, nl.LOOPBACK_IFINDEX, up=True)
        session.invalidate(ns, 'links')
    return run


def master_index(session, ns, master, param):
    """The ifindex of a master device (a bridge) by name; '' means no master (0)."""
    if master == '':
        return 0
    link = session.links(ns).get(master)
    if link is None:
        raise NetnsError('%s: %s does not exist in %s' % (param, master, label(ns)), param=param, value=master)
    if link.get('kind') not in ('bridge', 'bond', 'team', 'vrf', 'openvswitch') and link.get('index') is not None:
        raise NetnsError('%s: %s in %s is a %s, which cannot be a master' % (param, master, label(ns), link.get('kind')),
                         param=param, value=master)
    return link.get('index')


def attribute_changes(session, ns, name, current, want, prefix=''):
    """Changes that bring mtu/mac/up/master of an existing link to what is wanted (None = leave alone)."""
    changes = []
    where = '%s in %s' % (name, label(ns))
    if want.get('mtu') is not None and current.get('mtu') != want['mtu']:
        changes.append(Change('set mtu %d on %s' % (want['mtu'], where), _setter(ns, name, 'setting mtu', mtu=want['mtu'])))
    if want.get('mac') is not None and current.get('mac') != want['mac']:
        changes.append(Change('set mac %s on %s' % (want['mac'], where), _setter(ns, name, 'setting mac', mac=want['mac'])))
    if want.get('master') is not None and (current.get('master') or '') != want['master']:
        if want['master'] == '':
            changes.append(Change('release %s from master %s' % (where, current.get('master')),
                                  _setter(ns, name, 'removing master', master=0)))
        else:
            master_index(session, ns, want['master'], prefix + 'master')
            changes.append(Change('set master %s on %s' % (want['master'], where), _master_setter(ns, name, want['master'])))
    if want.get('up') is not None and bool(current.get('up')) != want['up']:
        state = 'up' if want['up'] else 'down'
        changes.append(Change('set %s %s' % (where, state), _setter(ns, name, 'setting %s %s' % (name, state), up=want['up'])))
    return changes


def _setter(ns, name, what, **attrs):
    def run(session):
        _set_link(session, ns, name, what, **attrs)
    return run


def _master_setter(ns, name, master):
    def run(session):
        _set_link(session, ns, name, 'setting master %s' % master, master=master_index(session, ns, master, 'master'))
    return run


def link_view(session, ns, link):
    """The generic attributes of a parsed link, in module-option shape."""
    master = None
    if link.get('master'):
        master = session.links(ns).name_of(link['master']) or link['master']
    return {'mtu': link.get('mtu'), 'mac': link.get('mac'), 'up': link.get('up'), 'master': master or ''}


def create_error(exc, kind):
    """Say plainly that a kernel lacks a link kind instead of 'Operation not supported'."""
    if isinstance(exc, NetnsError) and exc.value == errno.EOPNOTSUPP:
        return NetnsError('kind: the kernel has no "%s" link type ("Unknown device type"): its module is not built or '
                          'cannot be loaded here (try modprobe %s); this kernel may offer veth, bridge, vxlan, macvlan'
                          % (kind, kind), param='kind', value=kind)
    return exc


# -- veth ------------------------------------------------------------------

class VethResource(Resource):
    """A veth pair: name in netns <-> peer in peer_netns."""

    kind = 'veth'
    phase = PHASE_LINK

    def __init__(self, params, prefix=''):
        self.prefix = prefix
        self.name = validate.ifname(params['name'], prefix + 'name')
        self.netns = validate.optional_netns_name(params.get('netns'), prefix + 'netns')
        self.peer = validate.ifname(params['peer'], prefix + 'peer')
        self.peer_netns = validate.optional_netns_name(params.get('peer_netns'), prefix + 'peer_netns')
        self.state = params.get('state') or PRESENT
        if self.peer == self.name and self.peer_netns == self.netns:
            raise ParameterError(prefix + 'peer', self.peer, 'must differ from name when both ends are in the same '
                                 'namespace (%s)' % label(self.netns))
        self.mtu = validate.mtu(params.get('mtu'), prefix + 'mtu')
        self.mac = validate.mac(params.get('mac'), prefix + 'mac')
        self.peer_mac = validate.mac(params.get('peer_mac'), prefix + 'peer_mac')
        self.up = params.get('up', True)
        if self.up is None:
            self.up = True
        master = params.get('master')
        self.master = None if master is None else (validate.ifname(master, prefix + 'master') if master != '' else '')
        self.force = bool(params.get('force'))
        if self.master is not None:
            self.level = 1  # after the bridge it joins

    def key(self):
        return 'veth/%s%s' % (self.name, ns_suffix(self.netns))

    def netns_names(self):
        return (self.netns, self.peer_netns)

    def devices(self):
        return ((self.netns, self.name), (self.peer_netns, self.peer))

    def netns_refs(self):
        return [(param, ns) for param, ns in (('netns', self.netns), ('peer_netns', self.peer_netns)) if ns is not None]

    def depends_on(self):
        deps = ['netns/%s' % ns for ns in (self.netns, self.peer_netns) if ns is not None]
        if self.master:
            deps.append('link/%s%s' % (self.master, ns_suffix(self.netns)))
        return deps

    def _identity(self):
        return {'name': self.name, 'netns': self.netns, 'peer': self.peer, 'peer_netns': self.peer_netns}

    def read(self, session):
        state = self._identity()
        state['state'] = ABSENT
        for ns, param in ((self.netns, 'netns'), (self.peer_netns, 'peer_netns')):
            if not (session.is_virtual(ns) or session.exists(ns)):
                if self.state == ABSENT:
                    return state
                session.require(ns, self.prefix + param)
        if self.state == PRESENT and self.up:
            lo = lo_changes(session, (self.netns, self.peer_netns))[1]
            if lo:
                state['lo_up'] = lo
        link = session.links(self.netns).get(self.name)
        if link is None:
            return state
        peer = self._find_peer(session, link) if link.get('kind') == 'veth' else None
        if peer is not None and peer.get('dying'):
            link = self._wait_gone(session)
            if link is None:
                return state
            peer = self._find_peer(session, link)
        state['state'] = PRESENT
        state['kind'] = link.get('kind')
        state.update(link_view(session, self.netns, link))
        if link.get('kind') != 'veth':
            return state
        state['actual_peer'] = peer
        if peer.get('link') is not None:
            state['peer_mtu'] = peer['link'].get('mtu')
            state['peer_mac'] = peer['link'].get('mac')
            state['peer_up'] = peer['link'].get('up')
        return state

    def _find_peer(self, session, link):
        """Where the other end of this veth is: {'matches', 'link' (None unless it is our peer), 'description',
        'dying' (its peer's namespace has no name any more: it is being torn down)}."""
        found = self._locate_peer(session, link)
        if not found['matches'] and link.get('index') is not None and not session.is_virtual(self.peer_netns):
            # the peer namespace's links may have been read before a concurrent run made this pair: read again
            session.invalidate(self.peer_netns, 'links')
            found = self._locate_peer(session, link)
        return found

    def _locate_peer(self, session, link):
        if link.get('index') is None:  # check mode: created earlier in this plan
            return {'matches': True, 'link': session.links(self.peer_netns).get(self.peer)}
        if self.peer_netns == self.netns:
            in_peer_ns = link.get('link_netnsid') is None
        elif session.is_virtual(self.peer_netns):
            in_peer_ns = False  # check mode: the peer namespace does not exist yet, so this is another pair
        else:
            expected = session.peer_nsid(self.netns, self.peer_netns)
            in_peer_ns = expected is not None and link.get('link_netnsid') == expected
        peer_link = session.links(self.peer_netns).by_index.get(link.get('link')) if in_peer_ns else None
        matches = bool(peer_link and peer_link.get('name') == self.peer and peer_link.get('kind') == 'veth')
        where = 'ifindex %s' % link.get('link')
        if peer_link is not None:
            where = '%s in %s' % (peer_link.get('name'), label(self.peer_netns))
        elif link.get('link_netnsid') is not None:
            owner = self._namespace_with_nsid(session, link['link_netnsid'])
            if owner is not None:
                owner_link = session.links(owner).by_index.get(link.get('link'))
                where = '%s in netns %r' % (owner_link['name'] if owner_link else where, owner)
            else:
                where += ' in another namespace (nsid %s as seen from %s)' % (link.get('link_netnsid'), label(self.netns))
                return {'matches': False, 'link': None, 'description': where, 'dying': True}
        return {'matches': matches, 'link': peer_link if matches else None, 'description': where}

    def _wait_gone(self, session, timeout=2.0):
        """A veth whose peer is in a namespace without a name is usually the half of a pair whose namespace was
        just deleted: the kernel removes it asynchronously, within milliseconds. Give it that time rather than
        calling it a conflict; return the link if it is still there after all."""
        import time
        deadline = time.time() + timeout
        while True:
            session.invalidate(self.netns, 'links')
            link = session.links(self.netns).get(self.name)
            if link is None or time.time() > deadline:
                return link
            time.sleep(0.05)

    def _namespace_with_nsid(self, session, nsid):
        """Which named namespace the peer is in, for a helpful error message (only on that path)."""
        for entry in kernel.list_entries(session.run_dir):
            if entry.kind != kernel.LIVE or entry.name == self.netns:
                continue
            try:
                if session.peer_nsid(self.netns, entry.name) == nsid:
                    return entry.name
            except NetnsError:
                continue
        return None

    def plan(self, session, before):
        if self.state == ABSENT:
            return self._plan_absent(session, before)
        return self._plan_present(session, before)

    def _after(self):
        after = self._identity()
        after.update(state=PRESENT, kind='veth', up=self.up, peer_up=self.up)
        if self.mtu is not None:
            after.update(mtu=self.mtu, peer_mtu=self.mtu)
        if self.mac is not None:
            after['mac'] = self.mac
        if self.peer_mac is not None:
            after['peer_mac'] = self.peer_mac
        if self.master is not None:
            after['master'] = self.master
        lo = dict((ns, True) for ns in (self.netns, self.peer_netns) if ns is not None)
        if self.up and lo:
            after['lo_up'] = lo
        return after

    def _mismatch(self, before):
        """Why the existing interface is not this pair, or None if it is."""
        if before.get('kind') != 'veth':
            return '%s in %s is a %s, not a veth' % (self.name, label(self.netns), before.get('kind') or 'device')
        peer = before.get('actual_peer') or {}
        if not peer.get('matches'):
            return ('%s in %s is a veth whose peer is %s, not %s in %s'
                    % (self.name, label(self.netns), peer.get('description'), self.peer, label(self.peer_netns)))
        return None

    def _plan_present(self, session, before):
        mismatch = self._mismatch(before) if before['state'] == PRESENT else None
        before = self._public(before)
        after = self._after()
        changes = []
        recreate = mismatch is not None
        if recreate and not self.force:
            raise NetnsError('%sname: %s; set force=true to delete it and create the pair'
                             % (self.prefix, mismatch), param=self.prefix + 'name', value=self.name)
        if before['state'] != PRESENT or recreate:
            peer_clash = session.links(self.peer_netns).get(self.peer)
            if peer_clash is not None and peer_clash.get('kind') == 'veth' and before['state'] != PRESENT:
                # our end was read before a concurrent run made this very pair: look again
                session.invalidate(self.netns, 'links')
                fresh = self.read(session)
                if fresh['state'] == PRESENT and self._mismatch(fresh) is None:
                    return self._plan_present(session, fresh)
            if peer_clash is not None and not (recreate and before.get('kind') == 'veth'):
                raise NetnsError('%speer: %s already exists in %s (a %s); it cannot become the peer of %s'
                                 % (self.prefix, self.peer, label(self.peer_netns), peer_clash.get('kind') or 'device',
                                    self.name), param=self.prefix + 'peer', value=self.peer)
            if self.master:
                master_index(session, self.netns, self.master, self.prefix + 'master')
            if recreate:
                changes.append(Change('delete %s in %s (%s)' % (self.name, label(self.netns), mismatch), self._delete))
            changes.append(Change('create veth %s in %s <-> %s in %s'
                                  % (self.name, label(self.netns), self.peer, label(self.peer_netns)), self._create))
            if self.up:
                changes.extend(lo_changes(session, (self.netns, self.peer_netns))[0])
            after['mtu'] = self.mtu
            return Plan(self, before, self._complete_after(after, None), changes)
        # the pair exists: correct what differs
        want = {'mtu': self.mtu, 'mac': self.mac, 'up': self.up, 'master': self.master}
        changes.extend(attribute_changes(session, self.netns, self.name, before, want, self.prefix))
        peer_now = {'mtu': before.get('peer_mtu'), 'mac': before.get('peer_mac'), 'up': before.get('peer_up')}
        peer_want = {'mtu': self.mtu, 'mac': self.peer_mac, 'up': self.up}
        changes.extend(attribute_changes(session, self.peer_netns, self.peer, peer_now, peer_want, self.prefix + 'peer_'))
        if self.up:
            changes.extend(lo_changes(session, (self.netns, self.peer_netns))[0])
        return Plan(self, before, self._complete_after(after, before), changes)

    def _complete_after(self, after, before):
        """Fill what the user left alone with what is there (or, for a new pair, what the kernel will pick)."""
        for key in ('mtu', 'peer_mtu', 'mac', 'peer_mac', 'master'):
            if after.get(key) is None:
                after[key] = before.get(key) if before else None
        if after.get('master') is None:
            after['master'] = ''
        return after

    def _public(self, state):
        state = dict(state)
        state.pop('actual_peer', None)
        return state

    def _create(self, session):
        peer = {'name': self.peer, 'mtu': self.mtu, 'mac': self.peer_mac}
        if self.peer_netns != self.netns:
            peer['netns_fd'] = session.fd(self.peer_netns)
        master = master_index(session, self.netns, self.master, 'master') if self.master else None
        # one request creates both ends, the peer born in its namespace (never visible in ours first),
        # the first end up and already enslaved to its bridge
        what = 'creating veth %s in %s with peer %s in %s' % (
            self.name, label(self.netns), self.peer, label(self.peer_netns))
        try:
            nl.call(what,
                    session.socket(self.netns).link_add, self.name, 'veth', up=self.up, mtu=self.mtu, mac=self.mac,
                    master=master, peer=peer)
        except NetnsError as exc:
            session.invalidate(self.netns, 'links')
            session.invalidate(self.peer_netns, 'links')
            if exc.value != errno.EEXIST or self._mismatch(self.read(session)) is not None:
                raise
            # the same pair was created by a concurrent run: the goal is reached (its attributes are corrected
            # by the next run, or by that one)
            return
        session.invalidate(self.netns, 'links')
        session.invalidate(self.peer_netns, 'links')
        if self.up:
            # by name: its index is not known without a dump
            nl.call('setting %s in %s up' % (self.peer, label(self.peer_netns)),
                    session.socket(self.peer_netns).link_set, 0, up=True, name=self.peer)

    def _delete(self, session):
        _delete_link(session, self.netns, self.name)
        session.invalidate(self.peer_netns, 'links')

    def _plan_absent(self, session, before):
        public = self._public(before)
        after = self._identity()
        after['state'] = ABSENT
        if before['state'] != PRESENT:
            return Plan(self, public, after)
        if before.get('kind') != 'veth':
            raise NetnsError('%sname: %s in %s is a %s, not a veth; refusing to delete it'
                             % (self.prefix, self.name, label(self.netns), before.get('kind') or 'device'),
                             param=self.prefix + 'name', value=self.name)
        mismatch = self._mismatch(before)
        if mismatch and not self.force:
            raise NetnsError('%sname: %s; refusing to delete it (set force=true to delete it anyway)'
                             % (self.prefix, mismatch), param=self.prefix + 'name', value=self.name)
        return Plan(self, public, after, [Change('delete veth %s in %s (and its peer)' % (self.name, label(self.netns)),
                                                 self._delete)])

    def simulate(self, session, plan):
        if self.state == PRESENT and plan.changed and plan.before['state'] != PRESENT:
            session.expect_link(self.netns, {'name': self.name, 'kind': 'veth', 'index': None, 'up': self.up,
                                             'mtu': self.mtu, 'mac': self.mac, 'master': None})
            session.expect_link(self.peer_netns, {'name': self.peer, 'kind': 'veth', 'index': None, 'up': self.up,
                                                  'mtu': self.mtu, 'mac': self.peer_mac, 'master': None})

    def result(self, session, plan, applied):
        if applied and plan.changed:
            return self._public(self.read(session))
        return plan.after


# -- other link kinds ------------------------------------------------------

class LinkResource(Resource):
    """A bridge, dummy, vlan, macvlan or vxlan link, or an existing interface moved into a namespace."""

    kind = 'link'
    phase = PHASE_LINK

    def __init__(self, params, prefix=''):
        self.prefix = prefix
        self.name = validate.ifname(params['name'], prefix + 'name')
        self.netns = validate.optional_netns_name(params.get('netns'), prefix + 'netns')
        self.state = params.get('state') or PRESENT
        self.link_kind = params.get('kind')
        # move_from "" is the host namespace (None once validated), so whether to move is its own flag
        self.moving = params.get('move_from') is not None
        self.move_from = None
        if self.moving:
            self.move_from = validate.optional_netns_name(params['move_from'], prefix + 'move_from')
            if self.move_from == self.netns:
                raise ParameterError(prefix + 'move_from', params.get('move_from'), 'is the same namespace as netns')
        elif self.link_kind is None and self.state == PRESENT:
            raise ParameterError(prefix + 'kind', None, 'is required unless move_from is given')
        if self.link_kind is not None and self.link_kind not in LINK_KINDS:
            raise ParameterError(prefix + 'kind', self.link_kind, 'must be one of %s' % ', '.join(LINK_KINDS))
        self.mtu = validate.mtu(params.get('mtu'), prefix + 'mtu')
        self.mac = validate.mac(params.get('mac'), prefix + 'mac')
        self.up = True if params.get('up') is None else params['up']
        master = params.get('master')
        self.master = None if master is None else (validate.ifname(master, prefix + 'master') if master != '' else '')
        self.force = bool(params.get('force'))
        self.parent = None if params.get('link') is None else validate.ifname(params['link'], prefix + 'link')
        self.remotes = None
        self.options = self._kind_options(params)
        if self.master or self.parent:
            self.level = 2 if self.master else 1

    def _kind_options(self, params):
        p = self.prefix
        kind = self.link_kind
        options = {}
        given = dict((key, params.get(key)) for key in ('vlan_id', 'macvlan_mode', 'vxlan_id', 'local', 'remote', 'group',
                                                        'dstport', 'remotes') if params.get(key) is not None)
        allowed = {'vlan': ('vlan_id',), 'macvlan': ('macvlan_mode',),
                   'vxlan': ('vxlan_id', 'local', 'remote', 'group', 'dstport', 'remotes')}.get(kind, ())
        for key in given:
            if key not in allowed:
                raise ParameterError(p + key, given[key], 'does not apply to kind %s' % kind)
        if kind in ('vlan', 'macvlan') and self.parent is None and self.state == PRESENT:
            raise ParameterError(p + 'link', None, 'kind %s needs link (the parent interface)' % kind)
        if kind == 'vlan':
            if params.get('vlan_id') is None and self.state == PRESENT:
                raise ParameterError(p + 'vlan_id', None, 'is required for kind vlan')
            options['vlan_id'] = validate.integer(params.get('vlan_id'), p + 'vlan_id', 1, 4094)
        if kind == 'macvlan':
            mode = params.get('macvlan_mode') or 'bridge'
            if mode not in MACVLAN_MODES:
                raise ParameterError(p + 'macvlan_mode', mode, 'must be one of %s' % ', '.join(sorted(MACVLAN_MODES)))
            options['macvlan_mode'] = mode
        if kind == 'vxlan':
            if params.get('vxlan_id') is None and self.state == PRESENT:
                raise ParameterError(p + 'vxlan_id', None, 'is required for kind vxlan')
            options['vxlan_id'] = validate.integer(params.get('vxlan_id'), p + 'vxlan_id', 0, 16777215)
            options['dstport'] = validate.integer(params.get('dstport') or VXLAN_DEFAULT_PORT, p + 'dstport', 1, 65535)
            if params.get('remote') is not None and params.get('group') is not None:
                raise ParameterError(p + 'group', params.get('group'), 'remote and group are mutually exclusive')
            for key in ('local', 'remote', 'group'):
                options[key] = None
                if params.get(key) is not None:
                    options[key] = str(validate.ip_address(params[key], p + key))
            if options['group'] is not None and not validate.ip_address(options['group'], p + 'group').is_multicast:
                raise ParameterError(p + 'group', options['group'], 'must be a multicast address (use remote for a unicast peer)')
            if options['remote'] is not None and validate.ip_address(options['remote'], p + 'remote').is_multicast:
                raise ParameterError(p + 'remote', options['remote'], 'must be a unicast address (use group for multicast)')
            families = set(validate.ip_address(options[k], p + k).version for k in ('local', 'remote', 'group') if options[k])
            if len(families) > 1:
                raise ParameterError(p + 'local', options['local'], 'local, remote and group must be the same IP family')
            self.remotes = self._remotes(params.get('remotes'), options, families)
        return options

    def _remotes(self, remotes, options, families):
        """Flood destinations (head-end replication): None = not managed, else a sorted list of addresses."""
        p = self.prefix
        if remotes is None:
            return None
        if options['remote'] is not None or options['group'] is not None:
            raise ParameterError(p + 'remotes', remotes, 'cannot be combined with remote or group')
        result = set()
        for index, item in enumerate(remotes):
            address = validate.ip_address(item, '%sremotes[%d]' % (p, index))
            if address.is_multicast:
                raise ParameterError('%sremotes[%d]' % (p, index), item, 'must be a unicast address')
            families.add(address.version)
            if options['local'] is not None and str(address) == options['local']:
                continue  # every host may list the whole fleet: its own address is not a destination
            result.add(address)
        if len(families) > 1:
            raise ParameterError(p + 'remotes', remotes, 'must be the same IP family as local')
        return [str(address) for address in sorted(result)]

    def key(self):
        return 'link/%s%s' % (self.name, ns_suffix(self.netns))

    def netns_names(self):
        return (self.netns,)

    def netns_refs(self):
        refs = [('netns', self.netns)] if self.netns is not None else []
        if self.moving and self.move_from is not None:
            refs.append(('move_from', self.move_from))
        return refs

    def depends_on(self):
        deps = ['netns/%s' % self.netns] if self.netns is not None else []
        for dev in (self.master, self.parent):
            if dev:
                deps.append('link/%s%s' % (dev, ns_suffix(self.netns)))
        if self.moving and self.move_from is not None:
            deps.append('netns/%s' % self.move_from)
        return deps

    def _identity(self):
        return {'name': self.name, 'netns': self.netns}

    def read(self, session):
        state = self._identity()
        state['state'] = ABSENT
        if not (session.is_virtual(self.netns) or session.exists(self.netns)):
            if self.state == ABSENT:
                return state
            session.require(self.netns, self.prefix + 'netns')
        link = session.links(self.netns).get(self.name)
        if link is None and self.moving and self.state == PRESENT:
            session.require(self.move_from, self.prefix + 'move_from')
            source = session.links(self.move_from).get(self.name)
            if source is not None:
                state['state'] = 'elsewhere'
                state['in'] = self.move_from
                link = source
                ns = self.move_from
            else:
                return state
        elif link is None:
            return state
        else:
            state['state'] = PRESENT
            ns = self.netns
        state['kind'] = link.get('kind')
        state.update(link_view(session, ns, link))
        state.update(self._read_options(session, ns, link))
        return state

    def _read_options(self, session, ns, link):
        data = link.get('data') or {}
        kind = link.get('kind')
        options = {}
        if kind in ('vlan', 'macvlan', 'vxlan'):
            parent = data.get('IFLA_VXLAN_LINK') if kind == 'vxlan' else link.get('link')
            options['link'] = session.links(ns).name_of(parent) if parent else None
            if parent and options['link'] is None:
                options['link'] = 'ifindex %s' % parent  # a parent in another namespace
        if kind == 'vlan':
            options['vlan_id'] = data.get('IFLA_VLAN_ID')
        elif kind == 'macvlan':
            mode = data.get('IFLA_MACVLAN_MODE')
            options['macvlan_mode'] = dict((v, k) for k, v in MACVLAN_MODES.items()).get(mode, mode)
        elif kind == 'vxlan':
            options['vxlan_id'] = data.get('IFLA_VXLAN_ID')
            options['dstport'] = data.get('IFLA_VXLAN_PORT')
            options['local'] = data.get('IFLA_VXLAN_LOCAL') or data.get('IFLA_VXLAN_LOCAL6')
            group = data.get('IFLA_VXLAN_GROUP') or data.get('IFLA_VXLAN_GROUP6')
            options['remote'] = None
            options['group'] = None
            if group:
                options['group' if validate.ip_address(group, 'group').is_multicast else 'remote'] = group
            if self.remotes is not None and link.get('index') is not None:
                options['remotes'] = flood_destinations(session, ns, link['index'])
            elif self.remotes is not None:
                options['remotes'] = []
        return options

    def plan(self, session, before):
        if self.state == ABSENT:
            return self._plan_absent(session, before)
        return self._plan_present(session, before)

    def _wanted_options(self):
        wanted = dict(self.options)
        if self.link_kind in ('vlan', 'macvlan', 'vxlan'):
            wanted['link'] = self.parent
        return wanted

    def _after(self, before):
        after = dict(before)
        after.pop('in', None)
        after.update(self._identity())
        after['state'] = PRESENT
        if self.link_kind:
            after['kind'] = self.link_kind
        after.update(self._wanted_options())
        if self.remotes is not None:
            after['remotes'] = list(self.remotes)
        for key in ('mtu', 'mac', 'master'):
            if getattr(self, key) is not None:
                after[key] = getattr(self, key)
            after.setdefault(key, '' if key == 'master' else None)
        after['up'] = self.up
        return after

    def _plan_present(self, session, before):
        after = self._after(before)
        p = self.prefix
        current = before['state']
        if current == ABSENT:
            if self.moving:
                raise NetnsError('%sname: %s exists neither in %s nor in %s (move_from)'
                                 % (p, self.name, label(self.netns), label(self.move_from)),
                                 param=p + 'name', value=self.name)
            return Plan(self, before, after, self._create_changes(session))
        if current == 'elsewhere':
            if self.link_kind and before.get('kind') != self.link_kind:
                raise NetnsError('%sname: %s in %s is a %s, not a %s; not moving it'
                                 % (p, self.name, label(self.move_from), before.get('kind') or 'device without a kind',
                                    self.link_kind), param=p + 'name', value=self.name)
            changes = [Change('move %s from %s to %s' % (self.name, label(self.move_from), label(self.netns)),
                              self._move)]
            # a moved link arrives down and without a master in its new namespace
            arrived = {'mtu': before.get('mtu'), 'mac': before.get('mac'), 'up': False, 'master': ''}
            changes.extend(attribute_changes(session, self.netns, self.name, arrived, self._wanted_attrs(), p))
            return Plan(self, before, after, changes)
        reason = None
        if self.link_kind and before.get('kind') != self.link_kind:
            reason = 'is a %s, not a %s' % (before.get('kind') or 'device without a kind (physical?)', self.link_kind)
            param = p + 'name'
        else:
            differing = sorted(key for key, value in self._wanted_options().items()
                               if value is not None and before.get(key) != value)
            if differing:
                reason = 'has %s; changing that means re-creating the link' % ', '.join(
                    '%s=%s' % (key, before.get(key)) for key in differing)
                param = p + differing[0]
        if reason is None:
            changes = attribute_changes(session, self.netns, self.name, before, self._wanted_attrs(), p)
            changes.extend(self._remote_changes(before.get('remotes') or []))
            return Plan(self, before, after, changes)
        if not self.force:
            raise NetnsError('%s: %s in %s %s; set force=true to replace it' % (param, self.name, label(self.netns), reason),
                             param=param, value=self.name)
        changes = [Change('delete %s %s in %s (%s)' % (before.get('kind') or 'link', self.name, label(self.netns), reason),
                          self._delete)]
        changes.extend(self._create_changes(session))
        return Plan(self, before, after, changes)

    def _create_changes(self, session):
        self._check_dependencies(session)
        changes = [Change('create %s %s in %s' % (self.link_kind, self.name, label(self.netns)), self._create)]
        changes.extend(self._after_create_changes(session))
        return changes

    def _wanted_attrs(self):
        return {'mtu': self.mtu, 'mac': self.mac, 'up': self.up, 'master': self.master}

    def _after_create_changes(self, session):
        """Attributes set after creation; up last so the link comes up fully configured."""
        changes = []
        if self.master:
            changes.append(Change('set master %s on %s in %s' % (self.master, self.name, label(self.netns)),
                                  _master_setter(self.netns, self.name, self.master)))
        changes.extend(self._remote_changes([]))
        if self.up:
            changes.append(Change('set %s in %s up' % (self.name, label(self.netns)),
                                  _setter(self.netns, self.name, 'setting %s up' % self.name, up=True)))
        return changes

    def _remote_changes(self, current):
        """Make the vxlan's all-zeros forwarding entries exactly self.remotes."""
        if self.remotes is None:
            return []
        changes = []
        where = '%s in %s' % (self.name, label(self.netns))
        for dst in sorted(set(current) - set(self.remotes)):
            changes.append(Change('remove flood destination %s from %s' % (dst, where), self._fdb(dst, add=False)))
        for dst in sorted(set(self.remotes) - set(current)):
            changes.append(Change('add flood destination %s to %s' % (dst, where), self._fdb(dst, add=True)))
        return changes

    def _fdb(self, dst, add):
        def run(session):
            link = session.links(self.netns).get(self.name)
            if link is None:
                raise NetnsError('%s no longer exists in %s' % (self.name, label(self.netns)))
            sock = session.socket(self.netns)
            try:
                if add:
                    nl.call('adding flood destination %s to %s' % (dst, self.name), sock.fdb_append, link['index'], dst)
                else:
                    nl.call('removing flood destination %s from %s' % (dst, self.name), sock.fdb_del, link['index'], dst)
            except NetnsError as exc:
                # already there / already gone (a concurrent run): that is the goal
                if exc.value not in ((errno.EEXIST,) if add else (errno.ENOENT, errno.ESRCH)):
                    raise
            session.invalidate(self.netns, 'fdb')
        return run

    def _check_dependencies(self, session):
        if self.master:
            master_index(session, self.netns, self.master, self.prefix + 'master')
        if self.parent and session.links(self.netns).get(self.parent) is None:
            raise NetnsError('%slink: %s does not exist in %s' % (self.prefix, self.parent, label(self.netns)),
                             param=self.prefix + 'link', value=self.parent)

    def _create(self, session):
        parent_index = None
        if self.parent:
            parent = session.links(self.netns).get(self.parent)
            if parent is None:
                raise NetnsError('link: %s does not exist in %s' % (self.parent, label(self.netns)))
            parent_index = parent['index']
        data = []
        link = None
        if self.link_kind == 'vlan':
            link = parent_index
            data.append(('IFLA_VLAN_ID', self.options['vlan_id']))
        elif self.link_kind == 'macvlan':
            link = parent_index
            data.append(('IFLA_MACVLAN_MODE', MACVLAN_MODES[self.options['macvlan_mode']]))
        elif self.link_kind == 'vxlan':
            data.extend([('IFLA_VXLAN_ID', self.options['vxlan_id']), ('IFLA_VXLAN_PORT', self.options['dstport'])])
            if parent_index is not None:
                data.append(('IFLA_VXLAN_LINK', parent_index))
            six = any(':' in (self.options[k] or '') for k in ('local', 'remote', 'group'))
            if self.options['local']:
                data.append(('IFLA_VXLAN_LOCAL6' if six else 'IFLA_VXLAN_LOCAL', self.options['local']))
            peer = self.options['remote'] or self.options['group']
            if peer:
                data.append(('IFLA_VXLAN_GROUP6' if six else 'IFLA_VXLAN_GROUP', peer))
        try:
            nl.call('creating %s %s in %s' % (self.link_kind, self.name, label(self.netns)),
                    session.socket(self.netns).link_add, self.name, self.link_kind, mtu=self.mtu, mac=self.mac,
                    data=data, link=link)
        except NetnsError as exc:
            session.invalidate(self.netns, 'links')
            existing = session.links(self.netns).get(self.name)
            if exc.value == errno.EEXIST and existing is not None and existing.get('kind') == self.link_kind:
                return  # created by a concurrent run: the goal is reached
            raise create_error(exc, self.link_kind)
        session.invalidate(self.netns, 'links')

    def _move(self, session):
        link = session.links(self.move_from).get(self.name)
        if link is None:
            raise NetnsError('%s no longer exists in %s' % (self.name, label(self.move_from)))
        nl.call('moving %s from %s to %s' % (self.name, label(self.move_from), label(self.netns)),
                session.socket(self.move_from).link_set, link['index'], netns_fd=session.fd(self.netns))
        session.invalidate(self.move_from, 'links')
        session.invalidate(self.netns, 'links')

    def _delete(self, session):
        _delete_link(session, self.netns, self.name)

    def _plan_absent(self, session, before):
        after = self._identity()
        after['state'] = ABSENT
        if before['state'] != PRESENT:
            return Plan(self, before, after)
        if self.link_kind and before.get('kind') != self.link_kind:
            raise NetnsError('%sname: %s in %s is a %s, not a %s; refusing to delete it'
                             % (self.prefix, self.name, label(self.netns), before.get('kind') or 'device',
                                self.link_kind), param=self.prefix + 'name', value=self.name)
        if self.link_kind is None and before.get('kind') is None and not self.force:
            raise NetnsError('%sname: %s in %s has no link kind (a physical device?); refusing to delete it '
                             'without kind or force=true' % (self.prefix, self.name, label(self.netns)),
                             param=self.prefix + 'name', value=self.name)
        text = 'delete %s %s in %s' % (before.get('kind') or 'link', self.name, label(self.netns))
        return Plan(self, before, after, [Change(text, self._delete)])

    def simulate(self, session, plan):
        if self.state == PRESENT and plan.changed and plan.before['state'] != PRESENT:
            session.expect_link(self.netns, {'name': self.name, 'kind': self.link_kind or plan.before.get('kind'),
                                             'index': None, 'up': self.up, 'mtu': self.mtu, 'mac': self.mac,
                                             'master': None})


def flood_destinations(session, ns, index):
    """The remotes of a vxlan: destinations of its all-zeros forwarding entries."""
    return sorted(set(entry['dst'] for entry in session.fdb(ns)
                      if entry['index'] == index and entry['mac'] == nl.ZERO_MAC and entry['dst']))


def veth_resources(params, prefix=''):
    return [VethResource(params, prefix)]


def link_resources(params, prefix=''):
    return [LinkResource(params, prefix)]
