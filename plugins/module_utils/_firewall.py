# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One nftables table per namespace that the collection owns: masquerade, port forwards, filter rules.

The table (family inet, name `linuxnet` unless told otherwise) is marked with a comment and is the only thing
this kind touches: other tables are read only to warn when one of them drops what this one lets through. The
wanted table is rendered from the parameters (_firewall_rules), loaded into a throw-away namespace and listed
back, and that listing is compared with the kernel's listing of the real table: nft's canonical form on both
sides, so what it reorders or spells differently never reads as a change, and a line added or deleted by hand
always does. Changing the table is one nft transaction that deletes and re-creates it: all of it, or nothing.

Private to this collection: may change without notice.
"""

import difflib
import ipaddress
import os

from ansible_collections.linuxnet.netns.plugins.module_utils import _firewall_rules as rules
from ansible_collections.linuxnet.netns.plugins.module_utils import _firewall_view as view
from ansible_collections.linuxnet.netns.plugins.module_utils import _netlink as netlink
from ansible_collections.linuxnet.netns.plugins.module_utils import _netns as netns
from ansible_collections.linuxnet.netns.plugins.module_utils import _nft as nft
from ansible_collections.linuxnet.netns.plugins.module_utils import _validate as validate
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import (
    ABSENT, PHASE_FIREWALL, PRESENT, Change, Plan, Resource, labelled,
)
from ansible_collections.linuxnet.netns.plugins.module_utils._session import label, ns_suffix

FAMILY = 'inet'
FORWARDING_SYSCTLS = ('net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding')
SHOWN_LINES = 3  # rule lines an action sentence quotes; the diff has all of them


def display(lines):
    """nft's lines as the module returns them: the tab indentation as two spaces (JSON shows tabs as \\t)."""
    shown = []
    for line in lines:
        depth = len(line) - len(line.lstrip('\t'))
        shown.append('  ' * depth + line.lstrip('\t'))
    return shown


class Batch:
    """What the firewalls of one build share, so that a topology of many namespaces costs few nft runs.

    Listings: the first firewall read lists the rulesets of every member's namespace with nft processes running
    side by side; each listing is used once (a read after applying lists again).

    Wanted tables, as the kernel lists them: loaded into the session's throw-away namespace and listed back.
    Every member that needs it goes in one load the first time one does, each under a name of its own there; a
    load nft refuses is retried with the one table asked for, so the error names the item and line it came
    from. A member whose table nft lists exactly as the module writes it needs no load: nft's listing of its
    own listing is that listing.
    """

    # the script of one table alone: "flush ruleset", the table's own name (2 lines), "table inet _0 {", body
    FIRST_BODY_LINE = 5

    def __init__(self):
        self.members = []
        self.listed = {}  # namespace -> its tables, or the NetnsError reading them
        self.known = {}  # (table name, body lines) -> the lines nft lists

    def listing(self, session, resource):
        if resource.netns not in self.listed:
            # the members of the same stage (removals run in another, before the other stages change anything)
            namespaces = [resource.netns] + sorted(set(
                other.netns for other in self.members if other.state == resource.state
                and other.netns not in self.listed and other.netns != resource.netns
                and not session.is_virtual(other.netns) and session.exists(other.netns)), key=lambda ns: ns or '')
            self.listed.update(nft.listings(session, namespaces))
        found = self.listed.pop(resource.netns)
        if isinstance(found, NetnsError):
            raise found
        return found

    def lines(self, session, resource):
        wanted = resource.wanted(session)
        if wanted not in self.known:
            batch = [wanted]
            for other in self.members:
                if other is resource or other.state != PRESENT or not self._unlisted(session, other):
                    continue
                try:
                    more = other.wanted(session)
                except (NetnsError, OSError):
                    continue  # its own plan reports it, naming it
                if more not in self.known and more not in batch:
                    batch.append(more)
            try:
                self._load(session, batch)
            except nft.NftError as exc:
                if len(batch) > 1:
                    try:
                        self._load(session, [wanted])
                    except nft.NftError as alone:
                        raise resource.refused(alone, self.FIRST_BODY_LINE)
                else:
                    raise resource.refused(exc, self.FIRST_BODY_LINE)
        return self.known[wanted]

    def _unlisted(self, session, other):
        """Whether a member not planned yet will need its wanted table listed back (it differs from the
        kernel's as written, or its namespace is not listed yet)."""
        found = self.listed.get(other.netns)
        if not isinstance(found, list):
            return True
        try:
            return other.as_written(session) != next(
                (t.lines for t in found if t.family == FAMILY and t.name == other.table), None)
        except (NetnsError, OSError):
            return False

    def _load(self, session, batch):
        script = ['flush ruleset']
        for name in sorted(set(name for name, _body in batch)):
            script.append('table %s %s {\n}' % (FAMILY, name))  # nft refuses its keywords as names
        for index, (_name, body) in enumerate(batch):
            script.append('table %s _%d {' % (FAMILY, index))
            script.extend(body)
            script.append('}')
        nft.load(session, None, '\n'.join(script) + '\n', 'loading the wanted tables into a scratch namespace',
                 scratch=True)
        listed = dict((table.name, table) for table in nft.listing(session, None, scratch=True))
        for index, (name, body) in enumerate(batch):
            self.known[(name, body)] = ['table %s %s {' % (FAMILY, name)] + listed['_%d' % index].lines[1:]


class FirewallResource(Resource):
    """The owned nftables table of one namespace."""

    kind = 'firewall'
    section = 'firewalls'
    phase = PHASE_FIREWALL
    warns = True  # its notes say another table drops what this one lets through (_runner warns with them)

    def __init__(self, params, prefix='', batch=None):
        p = self.prefix = prefix
        self.netns = validate.optional_netns_name(params.get('netns'), p + 'netns')
        self.state = params.get('state') or PRESENT
        self.table = rules.table_name(params.get('table') or rules.DEFAULT_TABLE, p + 'table')
        self.batch = batch or Batch()
        self.spec = rules.Spec(params, p) if self.state == PRESENT else None
        self._wanted = None
        self._params = []
        self._listed = None

    def key(self):
        return 'firewall/%s %s%s' % (FAMILY, self.table, ns_suffix(self.netns))

    def netns_names(self):
        return (self.netns,)

    def removal_item(self):
        return {'netns': self.netns, 'table': self.table}

    def _identity(self):
        return {'netns': self.netns, 'table': self.table, 'family': FAMILY}

    # -- reading -------------------------------------------------------------------------------------
    def read(self, session):
        state = dict(self._identity(), state=ABSENT, ruleset=[])
        self._listed = []
        if session.is_virtual(self.netns):
            return state  # a namespace this check-mode plan creates has no tables yet
        if not session.exists(self.netns):
            if self.state == ABSENT:
                return state
            session.require(self.netns, self.prefix + 'netns')
        self._listed = self.batch.listing(session, self)
        mine = self._mine()
        if mine is not None:
            state.update(state=PRESENT, ruleset=display(mine.lines))
            if mine.comment != rules.MARK:
                state['foreign'] = True
        return state

    def _mine(self):
        return next((t for t in self._listed if t.family == FAMILY and t.name == self.table), None)

    # -- planning ------------------------------------------------------------------------------------
    def plan(self, session, before):
        if before.get('foreign'):
            raise NetnsError('%stable: table %s %s in %s was not made by this collection (it lacks the comment '
                             '"%s"); refusing to replace or delete it: choose another table name, or delete it '
                             'yourself if it is not needed' % (self.prefix, FAMILY, self.table, label(self.netns),
                                                               rules.MARK),
                             param=self.prefix + 'table', value=self.table)
        if self.state == ABSENT:
            after = dict(self._identity(), state=ABSENT, ruleset=[])
            if before['state'] == ABSENT:
                return Plan(self, before, after)
            return Plan(self, before, after, [Change('delete table %s %s in %s' % (
                FAMILY, self.table, label(self.netns)), self._delete)])
        notes = self._coexistence()
        if before['state'] == PRESENT and self._mine().lines == self.as_written(session):
            # the kernel lists exactly what the module writes: listing that again gives it again
            return Plan(self, before, dict(before), notes=notes)
        wanted = display(self.batch.lines(session, self))
        after = dict(self._identity(), state=PRESENT, ruleset=wanted)
        if before['state'] == PRESENT and before['ruleset'] == wanted:
            return Plan(self, before, after, notes=notes)
        if before['state'] != PRESENT:
            text = 'create table %s %s in %s (%d rule%s)' % (FAMILY, self.table, label(self.netns), self.spec.count,
                                                             '' if self.spec.count == 1 else 's')
            run = self._create
        else:
            text = 'replace table %s %s in %s (%s)' % (FAMILY, self.table, label(self.netns),
                                                       line_changes(before['ruleset'], wanted))
            run = self._replace
        return Plan(self, before, after, [Change(text, run)], notes)

    def wanted(self, session):
        """(table name, body lines) of the table asked for. Raises ParameterError for what the kernel state makes
        wrong: a port forward to an address that no subnet or route of the namespace reaches."""
        if self._wanted is None:
            subnets = dict((index, self._subnet(session, param, target, hairpin))
                           for index, param, target, hairpin in self.spec.targets())
            body = self.spec.body(subnets)
            self._params = [param for _line, param in body]
            self._wanted = (self.table, tuple(line for line, _param in body))
        return self._wanted

    def as_written(self, session):
        """The table as the module writes it, in nft's listing format."""
        name, body = self.wanted(session)
        return ['table %s %s {' % (FAMILY, name)] + list(body) + ['}']

    def refused(self, error, first_body_line):
        """The error for a table nft refuses, naming the item and line it came from (a raw rule, mostly)."""
        body = self._wanted[1]
        for line, message in error.errors:
            index = line - first_body_line
            if index < 0:
                return ParameterError(self.prefix + 'table', self.table, 'nft refuses it as a table name: %s'
                                      % message)
            if index < len(body) and self._params[index]:
                return ParameterError(self._params[index], body[index].strip(),
                                      'nft refuses this rule: %s' % message)
        return NetnsError('%s: nft refuses the table %s %s: %s' % (
            self.prefix.rstrip('.') or 'firewall', FAMILY, self.table, error.detail))

    def _subnet(self, session, param, address, hairpin):
        """The connected subnet of the namespace holding address (what hairpin masquerades), or None when only a
        route of its main table covers it; with neither, the address is unreachable and the forward an error."""
        connected = []
        if not session.is_virtual(self.netns):
            session.require(self.netns, self.prefix + 'netns')
            connected = [ipaddress.ip_interface('%s/%d' % (item['address'], item['prefixlen'])).network
                         for item in session.addresses(self.netns) if item['family'] == address.version]
        for (ns, _dev), planned in session.virtual_addresses.items():
            if ns == self.netns:
                connected.extend(item.network for item in planned if item.version == address.version)
        for network in connected:
            if address in network and network.prefixlen < network.max_prefixlen:
                return network
        if hairpin:
            raise ParameterError(param, str(address), 'hairpin needs the address in a connected subnet of %s '
                                 '(masquerading is limited to clients of that subnet)' % label(self.netns))
        routes = [] if session.is_virtual(self.netns) else session.routes(self.netns)
        for route in routes:
            if (route['family'] == address.version and route['table'] == netlink.RT_TABLE_MAIN
                    and address in ipaddress.ip_network(route['dst'])):
                return None
        raise ParameterError(param, str(address), 'is in no subnet of %s and no route there covers it (add an '
                             'address in its subnet or a route first)' % label(self.netns))

    def _coexistence(self):
        """Warnings for base chains of other tables that drop what this table lets through."""
        notes = []
        for hook in self.spec.accepted_hooks():
            for table in self._listed or ():
                if table.family == FAMILY and table.name == self.table:
                    continue
                for chain in table.base_chains(hook):
                    if chain.policy == 'drop':
                        notes.append(rules.coexistence_warning(table, chain, hook, label(self.netns)))
        return notes

    # -- applying ------------------------------------------------------------------------------------
    def _create(self, session):
        # "create" fails if the table appeared since it was read (a concurrent run): never merged into another.
        # It takes only the table's own attributes (the comment); the chains follow in the same transaction.
        name, body = self._wanted
        script = '\n'.join(['create table %s %s {' % (FAMILY, name), body[0], '}', 'table %s %s {' % (FAMILY, name)]
                           + list(body) + ['}']) + '\n'
        nft.load(session, self.netns, script, 'creating table %s %s in %s' % (FAMILY, name, label(self.netns)))

    def _replace(self, session):
        name, body = self._wanted
        script = rules.replace_script(FAMILY, name, body)
        nft.load(session, self.netns, script, 'replacing table %s %s in %s' % (FAMILY, name, label(self.netns)))

    def _delete(self, session):
        script = 'table %s %s {\n}\ndelete table %s %s\n' % (FAMILY, self.table, FAMILY, self.table)
        nft.load(session, self.netns, script, 'deleting table %s %s in %s' % (FAMILY, self.table, label(self.netns)))

    def result(self, session, plan, applied):
        state = dict(super(FirewallResource, self).result(session, plan, applied))
        state.pop('foreign', None)
        return state


def line_changes(before, after):
    """"+2 -1 lines: + tcp dport 22 drop; - tcp dport 23 accept": what replacing the table changes."""
    added = []
    removed = []
    for tag, old_start, old_end, new_start, new_end in difflib.SequenceMatcher(None, before, after).get_opcodes():
        if tag != 'equal':
            removed.extend(line.strip() for line in before[old_start:old_end])
            added.extend(line.strip() for line in after[new_start:new_end])
    quoted = ['+ %s' % line for line in added] + ['- %s' % line for line in removed]
    text = '+%d -%d lines' % (len(added), len(removed))
    if quoted:
        text += ': ' + '; '.join(quoted[:SHOWN_LINES]) + ('; ...' if len(quoted) > SHOWN_LINES else '')
    return text


class ForwardingSysctls(netns.SysctlResource):
    """forwarding: the forwarding sysctls of the namespace, set after its table is in place (same stage, so a
    port forward the kernel state makes wrong fails before either is changed)."""

    kind = 'forwarding'
    section = None  # part of the firewall item: nothing to own, nothing to purge
    phase = PHASE_FIREWALL
    mergeable = True  # two tables of one namespace may both ask for it

    def key(self):
        return 'forwarding/%s' % (self.netns or '')

    def result(self, session, plan, applied):
        return {'forwarding': super(ForwardingSysctls, self).result(session, plan, applied)['sysctls']}


def build(items):
    """The resources of firewall items: [(label prefix, validated parameters with state)]. All of them share
    one Batch: a whole topology lists its namespaces side by side and its wanted tables in one nft run."""
    resources = []
    if items:
        nft.require(items[0][0] + 'table' if len(items) == 1 else 'firewalls')
    batch = Batch()
    for prefix, params in items:
        firewall = labelled(FirewallResource(params, prefix, batch), prefix)
        batch.members.append(firewall)
        resources.append(firewall)
        if firewall.state == PRESENT and params.get('forwarding') is not None:
            value = '1' if params['forwarding'] else '0'
            resources.append(labelled(ForwardingSysctls(firewall.netns, dict((key, value) for key in FORWARDING_SYSCTLS),
                                                        param=prefix + 'forwarding'), prefix))
    return resources


def read_forwarding(session, ns):
    """Whether both forwarding sysctls of a namespace are on."""
    with session.inside(ns):
        values = []
        for key in FORWARDING_SYSCTLS:
            try:
                with open(os.path.join('/proc/sys', key.replace('.', '/'))) as handle:
                    values.append(handle.read().strip())
            except OSError:
                values.append(None)
    return all(value == '1' for value in values)


def described_items(session, namespaces):
    """The owned tables of these namespaces as firewall items (netns_info): [] without nft."""
    if nft.find() is None:
        return []
    items = []
    for ns in namespaces:
        try:
            tables = nft.listing(session, ns)
        except NetnsError:
            continue  # it went away or cannot be entered: its namespace item says so
        for table in tables:
            if table.family == FAMILY and table.comment == rules.MARK:
                item = view.item_of(table)
                if ns is not None:
                    item = dict(item, netns=ns)
                if read_forwarding(session, ns):
                    item['forwarding'] = True
                items.append(item)
    return items
