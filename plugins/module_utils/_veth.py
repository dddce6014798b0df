# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Veth pairs with each end in any namespace, and the one way of finding a veth's other end.

Private to this collection: may change without notice.
"""

import errno
import time

from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.plugins.module_utils import _links as links
from ansible_collections.linuxnet.netns.plugins.module_utils import _nl as nl
from ansible_collections.linuxnet.netns.plugins.module_utils import _validate as validate
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NamespaceGone, NetnsError, ParameterError
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import (
    ABSENT, PHASE_LINK, PRESENT, SETTLE_SECONDS, Change, Plan, Resource, labelled,
)
from ansible_collections.linuxnet.netns.plugins.module_utils._session import label, ns_suffix


def peer_end(session, ns, link, candidates):
    """(namespace, link) of the other end of the veth `link` of namespace ns, if it is in one of candidates.

    A veth's IFLA_LINK is its peer's ifindex in the peer's namespace, and IFLA_LINK_NETNSID the id ns has for
    that namespace (absent: ns itself). ifindexes repeat across namespaces (eth0 is often 2 everywhere), so a
    candidate holds the peer only if its link at that index is a veth pointing back at this one, and only if ns
    knows the candidate by that nsid.
    """
    if link.get('kind') != 'veth' or not link.get('link'):
        return None
    nsid = link.get('link_netnsid')
    for other in ([ns] if nsid is None else candidates):
        if session.is_virtual(other) or (nsid is not None and other == ns):
            continue
        try:
            peer = session.links(other).by_index.get(link['link'])
            if peer is None or peer.get('kind') != 'veth' or peer.get('link') != link.get('index'):
                continue
            if nsid is not None and session.peer_nsid(ns, other) != nsid:
                continue
        except NamespaceGone:
            # a candidate deleted since it was listed (a concurrent run) holds no peer any more; ns itself gone
            # is the caller's failure
            if other == ns or session.entry(other).kind == kernel.LIVE:
                raise
            continue
        return other, peer
    return None


def peer_unnamed(session, ns, link):
    """Whether the other end of the veth `link` of namespace ns is in a namespace with no name under /run/netns:
    a container's, or one the kernel is freeing (its id reads -1 once the kernel has dropped it)."""
    nsid = link.get('link_netnsid')
    if link.get('kind') != 'veth' or nsid is None:
        return False
    if nsid < 0:
        return True
    named = [None] if ns is not None else []
    named.extend(entry.name for entry in kernel.list_entries(session.run_dir)
                 if entry.kind == kernel.LIVE and entry.name != ns)
    return peer_end(session, ns, link, named) is None


class VethResource(Resource):
    """A veth pair: name in netns <-> peer in peer_netns."""

    kind = 'veth'
    section = 'veths'
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

    def interfaces(self):
        return self.devices()

    def devices_removed_with(self, namespaces):
        # deleting either end deletes the pair: an end in a doomed namespace takes the other end along
        return self.devices() if namespaces.intersection(self.netns_names()) else ()

    def removal_item(self):
        return {'name': self.name, 'netns': self.netns, 'peer': self.peer, 'peer_netns': self.peer_netns, 'force': True}

    def lingering(self, session, namespaces):
        # the end left when the other end's namespace was deleted before this run: the kernel removes it soon
        if self.state != ABSENT or namespaces.intersection(self.netns_names()):
            return ()
        ends = [(ns, name) for ns, name in ((self.netns, self.name), (self.peer_netns, self.peer))
                if ns is None or session.exists(ns)]
        if len(ends) != 1:
            return ()
        ns, name = ends[0]
        link = session.links(ns).get(name)
        if link is None or not peer_unnamed(session, ns, link):
            return ()
        return (ends[0],)

    def netns_refs(self):
        return [(param, ns) for param, ns in (('netns', self.netns), ('peer_netns', self.peer_netns)) if ns is not None]

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
            lo = links.lo_changes(session, (self.netns, self.peer_netns))[1]
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
        state.update(links.link_view(session, self.netns, link))
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
        end = None
        if not session.is_virtual(self.peer_netns):  # else the peer namespace does not exist yet: another pair
            end = peer_end(session, self.netns, link, [self.peer_netns])
        if end is not None and end[0] == self.peer_netns and end[1].get('name') == self.peer:
            return {'matches': True, 'link': end[1]}
        # not our peer: say where it is (only on this path, it reads every namespace)
        if end is None:
            others = [None] + [entry.name for entry in kernel.list_entries(session.run_dir)
                               if entry.kind == kernel.LIVE and entry.name != self.netns]
            end = peer_end(session, self.netns, link, others)
        if end is not None:
            return {'matches': False, 'link': None, 'description': '%s in %s' % (end[1].get('name'), label(end[0]))}
        where = 'ifindex %s' % link.get('link')
        if link.get('link_netnsid') is None:
            return {'matches': False, 'link': None, 'description': where}
        where += ' in another namespace (nsid %s as seen from %s)' % (link.get('link_netnsid'), label(self.netns))
        return {'matches': False, 'link': None, 'description': where, 'dying': True}

    def _wait_gone(self, session, timeout=SETTLE_SECONDS):
        """A veth whose peer is in a namespace without a name is usually the half of a pair whose namespace was
        just deleted: the kernel removes it asynchronously (milliseconds later, seconds when many namespaces are
        queued). Give it that time rather than calling it a conflict; return the link if it is still there."""
        deadline = time.time() + timeout
        while True:
            session.invalidate(self.netns, 'links')
            link = session.links(self.netns).get(self.name)
            if link is None or time.time() > deadline:
                return link
            time.sleep(0.05)

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
            # deleting the interface at our name frees nothing at the peer's name: the device there is not its
            # other end, or the pair would have matched
            if peer_clash is not None:
                raise NetnsError('%speer: %s already exists in %s (a %s); it cannot become the peer of %s'
                                 % (self.prefix, self.peer, label(self.peer_netns), peer_clash.get('kind') or 'device',
                                    self.name), param=self.prefix + 'peer', value=self.peer)
            if self.master:
                links.master_index(session, self.netns, self.master, self.prefix + 'master')
            if recreate:
                changes.append(Change('delete %s in %s (%s)' % (self.name, label(self.netns), mismatch), self._delete))
            changes.append(Change('create veth %s in %s <-> %s in %s'
                                  % (self.name, label(self.netns), self.peer, label(self.peer_netns)), self._create))
            if self.up:
                changes.extend(links.lo_changes(session, (self.netns, self.peer_netns))[0])
            after['mtu'] = self.mtu
            return Plan(self, before, self._complete_after(after, None), changes)
        # the pair exists: correct what differs
        want = {'mtu': self.mtu, 'mac': self.mac, 'up': self.up, 'master': self.master}
        changes.extend(links.attribute_changes(session, self.netns, self.name, before, want, self.prefix))
        peer_now = {'mtu': before.get('peer_mtu'), 'mac': before.get('peer_mac'), 'up': before.get('peer_up')}
        peer_want = {'mtu': self.mtu, 'mac': self.peer_mac, 'up': self.up}
        changes.extend(links.attribute_changes(session, self.peer_netns, self.peer, peer_now, peer_want, self.prefix + 'peer_'))
        if self.up:
            changes.extend(links.lo_changes(session, (self.netns, self.peer_netns))[0])
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
        master = links.master_index(session, self.netns, self.master, 'master') if self.master else None
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
            if not exc.has_errno(errno.EEXIST) or self._mismatch(self.read(session)) is not None:
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
        links.delete_link(session, self.netns, self.name)
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


def build(items):
    """The resources of veth items: [(label prefix, validated parameters with state)]."""
    return [labelled(VethResource(params, prefix), prefix) for prefix, params in items]
