# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Links of the kinds in _link_kinds, in any namespace, and interfaces moved between namespaces.

What differs between kinds (options, their encoding and decoding) is in _link_kinds; this file is the same for
every kind.

Private to this collection: may change without notice.
"""

import errno

from ansible_collections.linuxnet.netns.plugins.module_utils import _link_kinds as link_kinds
from ansible_collections.linuxnet.netns.plugins.module_utils import _links as links
from ansible_collections.linuxnet.netns.plugins.module_utils import _nl as nl
from ansible_collections.linuxnet.netns.plugins.module_utils import _validate as validate
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import (
    ABSENT, PHASE_LINK, PRESENT, Change, Plan, Resource, labelled,
)
from ansible_collections.linuxnet.netns.plugins.module_utils._session import label, ns_suffix


class LinkResource(Resource):
    """A link of a kind in _link_kinds (bridge, dummy, vlan, macvlan, vxlan), or an existing interface moved
    into a namespace."""

    kind = 'link'
    section = 'links'
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
        self.spec = None
        if self.link_kind is not None:
            self.spec = link_kinds.KINDS.get(self.link_kind)
            if self.spec is None:
                raise ParameterError(prefix + 'kind', self.link_kind, 'must be one of %s' % ', '.join(link_kinds.NAMES))
        self.mtu = validate.mtu(params.get('mtu'), prefix + 'mtu')
        self.mac = validate.mac(params.get('mac'), prefix + 'mac')
        self.up = True if params.get('up') is None else params['up']
        master = params.get('master')
        self.master = None if master is None else (validate.ifname(master, prefix + 'master') if master != '' else '')
        self.force = bool(params.get('force'))
        self.parent = None if params.get('link') is None else validate.ifname(params['link'], prefix + 'link')
        self.options = self._kind_options(params)
        self.remotes = self.options.pop('remotes', None)
        if self.master or self.parent:
            self.level = 2 if self.master else 1

    def _kind_options(self, params):
        """The options of this link's kind, validated by its spec; another kind's option is refused."""
        p = self.prefix
        own = self.spec.options if self.spec else {}
        for name in link_kinds.argument_spec():
            if params.get(name) is not None and name not in own:
                raise ParameterError(p + name, params.get(name), 'does not apply to kind %s' % self.link_kind)
        if self.spec is None:
            return {}
        if self.parent is not None and self.spec.parent == link_kinds.NO_PARENT:
            raise ParameterError(p + 'link', self.parent, 'does not apply to kind %s (it has no parent interface)'
                                 % self.link_kind)
        if self.spec.parent == link_kinds.REQUIRED_PARENT and self.parent is None and self.state == PRESENT:
            raise ParameterError(p + 'link', None, 'kind %s needs link (the parent interface)' % self.link_kind)
        return self.spec.validate(params, p, self.state == PRESENT)

    def key(self):
        return 'link/%s%s' % (self.name, ns_suffix(self.netns))

    def netns_names(self):
        return (self.netns,)

    def interfaces(self):
        return ((self.netns, self.name),)

    def removal_item(self):
        # a moved interface was not made here: it is never removed by purge
        return None if self.moving else {'name': self.name, 'netns': self.netns, 'kind': self.link_kind}

    def netns_refs(self):
        refs = [('netns', self.netns)] if self.netns is not None else []
        if self.moving and self.move_from is not None:
            refs.append(('move_from', self.move_from))
        return refs

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
        state.update(links.link_view(session, ns, link))
        state.update(links.kind_view(session, ns, link, remotes=self.remotes is not None))
        return state

    def plan(self, session, before):
        if self.state == ABSENT:
            return self._plan_absent(session, before)
        return self._plan_present(session, before)

    def _wanted_options(self):
        """The kind's options as they must be: fixed at creation, a difference means re-creating the link."""
        if self.spec is None:
            return {}
        wanted = self.spec.fixed_options(self.options)
        if self.spec.parent != link_kinds.NO_PARENT:
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
            changes.extend(links.attribute_changes(session, self.netns, self.name, arrived, self._wanted_attrs(), p))
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
            changes = links.attribute_changes(session, self.netns, self.name, before, self._wanted_attrs(), p)
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
                                  links.master_setter(self.netns, self.name, self.master)))
        changes.extend(self._remote_changes([]))
        if self.up:
            changes.append(Change('set %s in %s up' % (self.name, label(self.netns)),
                                  links.setter(self.netns, self.name, 'setting %s up' % self.name, up=True)))
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
                if not exc.has_errno(*((errno.EEXIST,) if add else (errno.ENOENT, errno.ESRCH))):
                    raise
            session.invalidate(self.netns, 'fdb')
        return run

    def _check_dependencies(self, session):
        if self.master:
            links.master_index(session, self.netns, self.master, self.prefix + 'master')
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
        data = self.spec.encode(self.options)
        link = None
        if parent_index is not None:
            if self.spec.parent_attribute:
                data.append((self.spec.parent_attribute, parent_index))
            else:
                link = parent_index
        try:
            nl.call('creating %s %s in %s' % (self.link_kind, self.name, label(self.netns)),
                    session.socket(self.netns).link_add, self.name, self.link_kind, mtu=self.mtu, mac=self.mac,
                    data=data, link=link)
        except NetnsError as exc:
            session.invalidate(self.netns, 'links')
            existing = session.links(self.netns).get(self.name)
            if exc.has_errno(errno.EEXIST) and existing is not None and existing.get('kind') == self.link_kind:
                return  # created by a concurrent run: the goal is reached
            raise links.create_error(exc, self.link_kind)
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
        links.delete_link(session, self.netns, self.name)

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


def build(items):
    """The resources of link items: [(label prefix, validated parameters with state)]."""
    return [labelled(LinkResource(params, prefix), prefix) for prefix, params in items]
