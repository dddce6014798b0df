# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What veth pairs and the other link kinds share: small kernel operations on a link by name, bringing lo up,
masters, the attributes every link has (mtu, mac, up, master), and reading a link back in module-option shape.

Private to this collection: may change without notice.
"""

import errno

from ansible_collections.linuxnet.netns.plugins.module_utils import _link_kinds as link_kinds
from ansible_collections.linuxnet.netns.plugins.module_utils import _netlink as netlink
from ansible_collections.linuxnet.netns.plugins.module_utils import _nl as nl
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import Change
from ansible_collections.linuxnet.netns.plugins.module_utils._session import label


def set_link(session, ns, name, what, **attrs):
    """One RTM_NEWLINK 'set' on the link called name in ns (looked up again: indexes change on re-creation)."""
    link = session.links(ns).get(name)
    if link is None:
        raise NetnsError('%s: %s no longer exists in %s' % (what, name, label(ns)))
    nl.call('%s (%s in %s)' % (what, name, label(ns)), session.socket(ns).link_set, link['index'], **attrs)
    session.invalidate(ns, 'links')


def delete_link(session, ns, name):
    link = session.links(ns).get(name)
    if link is None:
        return
    try:
        nl.call('deleting %s in %s' % (name, label(ns)), session.socket(ns).link_del, link['index'])
    except NetnsError as exc:
        if not exc.has_errno(errno.ENODEV):  # already gone (its peer's namespace went away): that is the goal
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
        nl.call('setting lo up in %s' % label(ns), session.socket(ns).link_set, netlink.LOOPBACK_IFINDEX, up=True)
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
        changes.append(Change('set mtu %d on %s' % (want['mtu'], where), setter(ns, name, 'setting mtu', mtu=want['mtu'])))
    if want.get('mac') is not None and current.get('mac') != want['mac']:
        changes.append(Change('set mac %s on %s' % (want['mac'], where), setter(ns, name, 'setting mac', mac=want['mac'])))
    if want.get('master') is not None and (current.get('master') or '') != want['master']:
        if want['master'] == '':
            changes.append(Change('release %s from master %s' % (where, current.get('master')),
                                  setter(ns, name, 'removing master', master=0)))
        else:
            master_index(session, ns, want['master'], prefix + 'master')
            changes.append(Change('set master %s on %s' % (want['master'], where), master_setter(ns, name, want['master'])))
    if want.get('up') is not None and bool(current.get('up')) != want['up']:
        state = 'up' if want['up'] else 'down'
        changes.append(Change('set %s %s' % (where, state), setter(ns, name, 'setting %s %s' % (name, state), up=want['up'])))
    return changes


def setter(ns, name, what, **attrs):
    def run(session):
        set_link(session, ns, name, what, **attrs)
    return run


def master_setter(ns, name, master):
    def run(session):
        set_link(session, ns, name, 'setting master %s' % master, master=master_index(session, ns, master, 'master'))
    return run


def link_view(session, ns, link):
    """The generic attributes of a parsed link, in module-option shape."""
    master = None
    if link.get('master'):
        master = session.links(ns).name_of(link['master']) or link['master']
    return {'mtu': link.get('mtu'), 'mac': link.get('mac'), 'up': link.get('up'), 'master': master or ''}


def kind_view(session, ns, link, remotes=True):
    """The kind-specific options of a parsed link, in module-option shape (what the link module and netns_info
    report, and what the link module compares): the kind's own options, its parent by name (a parent in another
    namespace, which a dump names only by ifindex, as 'ifindex N'), and a vxlan's flood destinations."""
    kind = link_kinds.KINDS.get(link.get('kind'))
    if kind is None:
        return {}
    data = link.get('data') or {}
    options = kind.decode(data)
    if kind.parent != link_kinds.NO_PARENT:
        parent = data.get(kind.parent_attribute) if kind.parent_attribute else link.get('link')
        options['link'] = None
        if parent:
            # with IFLA_LINK_NETNSID the ifindex is another namespace's: a device here with that index is not it
            here = link.get('link_netnsid') is None
            options['link'] = (here and session.links(ns).name_of(parent)) or 'ifindex %s' % parent
    if remotes and 'remotes' in kind.options:
        options['remotes'] = flood_destinations(session, ns, link['index']) if link.get('index') is not None else []
    return options


def create_error(exc, kind):
    """Say plainly that a kernel lacks a link kind instead of 'Operation not supported'."""
    if isinstance(exc, NetnsError) and exc.has_errno(errno.EOPNOTSUPP):
        return NetnsError('kind: the kernel has no "%s" link type ("Unknown device type"): its module is not built or '
                          'cannot be loaded here (try modprobe %s); this kernel may offer veth, bridge, vxlan, macvlan'
                          % (kind, kind), param='kind', value=kind, errno=exc.errno)
    return exc


def flood_destinations(session, ns, index):
    """The remotes of a vxlan: destinations of its all-zeros forwarding entries."""
    return sorted(set(entry['dst'] for entry in session.fdb(ns)
                      if entry['index'] == index and entry['mac'] == netlink.ZERO_MAC and entry['dst']))
