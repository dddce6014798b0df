# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reconcile mechanism every module of this collection uses.

A Resource reads its current state, compares it with what was asked for and
returns a Plan: the state before, the state after, and the Changes that get
from one to the other. converge() runs resources in dependency stages
(namespaces, links, addresses, routes; removals in the reverse order). In each
stage it reads and plans every resource first, then applies the changes, so a
stage costs one dump per namespace and object type, not one per object. In
check mode nothing is applied; resources tell the session what they would
have created so later stages plan against it.

Private to this collection: may change without notice.
"""

import contextlib
import time

from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NamespaceGone, NetnsError, from_os_error

# Stages, in the order objects are made. Removal runs the other way round.
PHASE_NAMESPACE = 0
PHASE_NAMESPACE_CONFIG = 1
PHASE_LINK = 2
PHASE_ADDRESS = 3
PHASE_ROUTE = 4
PHASE_FIREWALL = 5

PRESENT = 'present'
ABSENT = 'absent'

# How long a run waits for the kernel to finish removing a device that goes with a namespace deleted before it
# looked (the kernel frees deleted namespaces asynchronously, one batch after another: with thousands queued,
# seconds after the deletion)
SETTLE_SECONDS = 10.0


class Change:
    """One step of a plan: a sentence for the user and the callable that does it."""

    __slots__ = ('text', 'run')

    def __init__(self, text, run):
        self.text = text
        self.run = run

    def __repr__(self):
        return 'Change(%r)' % self.text


class Plan:
    """gone_with: the namespace or device this object goes away with (its removal is not planned on its own)."""

    __slots__ = ('resource', 'before', 'after', 'changes', 'notes', 'gone_with')

    def __init__(self, resource, before, after, changes=None, notes=None, gone_with=None):
        self.resource = resource
        self.before = before
        self.after = after
        self.changes = list(changes or [])
        self.notes = list(notes or [])
        self.gone_with = gone_with

    @property
    def changed(self):
        return bool(self.changes)


class Resource:
    """One object of the kernel or the filesystem, described by validated parameters.

    Subclasses set kind and phase and implement read() and plan(); they
    validate their parameters in __init__ (raising ParameterError), so a whole
    description is checked before anything is changed.
    """

    kind = 'object'
    section = None  # the list of a topology description that holds objects of this kind
    phase = PHASE_NAMESPACE
    state = PRESENT
    level = 0  # order among resources of one phase (a bridge before the ports enslaved to it)
    label = None  # how error messages name the object, e.g. "veths[3]" in a topology
    # several resources with one key are merged by their builder (the addresses of one device), not a conflict
    mergeable = False
    # one kernel object, made or removed as a whole (not a set of addresses, files or values on one)
    whole = True
    # its changes take the session's lock on /run/netns: converge takes it once around a stage of such removals
    run_dir_lock = False

    def key(self):
        raise NotImplementedError

    def netns_names(self):
        """Namespaces this object lives in (None is the host's): removing one removes the object."""
        return ()

    def interfaces(self):
        """(netns, name) of the interfaces this object defines: no two objects of a description may define one."""
        return ()

    # -- ownership: what a topology records it created, so that purge removes only that ---------------
    def removal_item(self):
        """The item of self.section that removes this object again, or None if it is never owned."""
        return None

    def owned(self, plan):
        """(ownership key, section, removal item) of each object this plan creates."""
        created = plan.changed and (plan.before or {}).get('state') != PRESENT
        item = self.removal_item() if created else None
        if item is not None:
            yield self.key(), self.section, item

    def ownership_keys(self):
        """Ownership keys of the objects this resource describes, present or absent."""
        return set([self.key()]) if self.section else set()

    def described_keys(self):
        """Ownership keys of what this resource wants present (kept when a topology purges)."""
        return self.ownership_keys() if self.state == PRESENT else set()

    def devices(self):
        """(netns, device) pairs this object is on: it goes away when one of them does."""
        return ()

    def defines_namespace(self):
        """The name of the namespace this resource is (a netns), else None."""
        return None

    def removes_namespace(self, session):
        """The name of the namespace this resource deletes (with everything in it), else None."""
        return None

    def devices_removed_with(self, namespaces):
        """Devices outside these doomed namespaces that the kernel removes with them (a veth's other end)."""
        return ()

    def lingering(self, session, namespaces):
        """(netns, device) of devices of this removal that the kernel is still removing with a namespace deleted
        before this run (namespaces: those this run removes itself); converge waits for them to go."""
        return ()

    def netns_refs(self):
        """(parameter, namespace) pairs that must exist before this object can."""
        return [('netns', name) for name in self.netns_names() if name is not None]

    def read(self, session):
        raise NotImplementedError

    def plan(self, session, before):
        raise NotImplementedError

    def simulate(self, session, plan):
        """Check mode: make the planned effects visible to later stages."""

    def result(self, session, plan, applied):
        """What the module returns for this object. After applying, re-read the kernel."""
        if applied and plan.changed:
            return self.read(session)
        return plan.after


class ObjectInside(Resource):
    """The removal of a described object inside a namespace the same run removes, standing in for the object.

    The object goes with its namespace, so it is neither built (its options were checked by their argument spec;
    the kind's own checks, addresses and routes parsed, would cost more than deleting the namespace) nor read:
    converge plans it as removed together with the namespace, and counts it. If the namespace turns out not to
    exist, neither does the object. objects: the Resource class of the kind (its kind, section and stage).
    """

    mergeable = True  # stands for an item, not an object: never compared with the others
    whole = True

    def __init__(self, objects, netns, record_key=None):
        self.kind = objects.kind
        self.section = objects.section
        self.phase = objects.phase
        self.state = ABSENT
        self.netns = netns
        self.record_key = record_key  # the ownership key of the object, when purge made it from the record

    def key(self):
        return self.record_key or '%s/%s' % (self.kind, self.label)

    def netns_names(self):
        return (self.netns,)

    def ownership_keys(self):
        return set([self.record_key]) if self.record_key else set()

    def read(self, session):
        return {'state': ABSENT}

    def plan(self, session, before):
        return Plan(self, before, {'state': ABSENT})


def labelled(resource, prefix):
    """Name the resource in messages as the description item it came from ("veths[3]"), if it came from one."""
    resource.label = prefix.rstrip('.') or None
    return resource


class ConvergeError(NetnsError):
    """A failure partway: names the object and what had been applied before it."""

    def __init__(self, resource, step, cause, applied):
        msg = cause.msg if isinstance(cause, NetnsError) else str(cause)
        if step is not None and step not in msg:
            msg = '%s: %s' % (step, msg)
        if resource.label:
            # in a description of many objects, say which one (once)
            if msg.startswith(resource.label):
                msg = '%s [object %s]' % (msg, resource.key())
            else:
                msg = '%s (%s): %s' % (resource.label, resource.key(), msg)
        super(ConvergeError, self).__init__(msg, param=getattr(cause, 'param', None),
                                            value=getattr(cause, 'value', None), errno=getattr(cause, 'errno', None))
        self.object = resource.key()
        self.step = step
        self.applied = list(applied)


class Report:
    def __init__(self):
        self.plans = []
        self.applied = []  # texts of changes that were carried out, in order
        self.warnings = []  # what the module tells the user besides the plans (the session's assumptions)

    @property
    def changed(self):
        return any(plan.changed for plan in self.plans)

    @property
    def actions(self):
        texts = []
        for plan in self.plans:
            texts.extend(change.text for change in plan.changes)
        return texts

    def merged(self, attribute):
        """before/after of a single object described by several resources (netns + its sysctls)."""
        merged = {}
        for plan in self.plans:
            value = getattr(plan, attribute)
            if value:
                merged.update(value)
        return merged

    def diff_single(self):
        return {'before': self.merged('before'), 'after': self.merged('after')}

    def named(self, changed_only=False):
        """(name, plan) of each plan: its object's key, or its label when several plans share that key (a purge
        removing an address recorded on a device whose described addresses stay is a second plan for the
        device's key: the two are named addresses[0] and purge address/eth0@red)."""
        # counted over every plan, so a name does not depend on which of the plans changed
        counts = {}
        for plan in self.plans:
            counts[plan.resource.key()] = counts.get(plan.resource.key(), 0) + 1
        for index, plan in enumerate(self.plans):
            if plan.changed or not changed_only:
                key = plan.resource.key()
                yield (key if counts[key] == 1 else plan.resource.label or '%s (%d)' % (key, index)), plan

    def diff_by_key(self):
        before = {}
        after = {}
        for name, plan in self.named(changed_only=True):
            before[name] = plan.before
            after[name] = plan.after
        return {'before': before, 'after': after}


def stages(resources):
    """Group resources into the order they must run: removals deepest-first, then creations."""
    removals = {}
    creations = {}
    for resource in resources:
        bucket = removals if resource.state == ABSENT else creations
        bucket.setdefault((resource.phase, resource.level), []).append(resource)
    ordered = [removals[key] for key in sorted(removals, reverse=True)]
    ordered.extend(creations[key] for key in sorted(creations))
    return ordered


def doomed(session, resources):
    """What this run removes wholesale: namespaces, and the devices that go with them.

    Objects inside a removed namespace, or on a veth whose other end is in one,
    disappear with it; deleting them one by one first would only cost time
    (deleting a namespace is ~30 times faster than deleting its links first).
    """
    namespaces = set()
    for resource in resources:
        name = resource.removes_namespace(session)
        if name is not None:
            namespaces.add(name)
    devices = set()
    for resource in resources:
        if resource.state == ABSENT:
            devices.update(resource.devices_removed_with(namespaces))
    return namespaces, devices


def settle(session, resources, namespaces):
    """Wait until the devices the kernel is still removing with an earlier deleted namespace are gone.

    Read while they linger, what is on them would be planned for removal: a teardown run again right after
    the first reports changes. After the timeout they are read as they are.
    """
    waiting = set()
    for resource in resources:
        try:
            waiting.update(resource.lingering(session, namespaces))
        except NamespaceGone:
            pass  # the namespace it would linger in went while we looked (a concurrent run removed it)
    touched = set(netns for netns, _dev in waiting)
    deadline = time.time() + SETTLE_SECONDS
    while waiting and time.time() < deadline:
        time.sleep(0.02)
        for netns in touched:
            session.invalidate(netns, 'links')
        waiting = set(item for item in waiting if _still_there(session, *item))
    for netns in touched:
        session.invalidate(netns)  # what was read of them before (addresses, routes) went with the devices


def _still_there(session, netns, dev):
    try:
        return session.exists(netns) and session.links(netns).get(dev) is not None
    except NamespaceGone:  # removed between the two questions
        return False


def _goes_with(resource, namespaces, devices):
    """(what, namespace) an object goes away with, if it does: a doomed namespace, or a device of one."""
    if resource.state != ABSENT or resource.defines_namespace() is not None:
        return None
    gone = [name for name in resource.netns_names() if name in namespaces]  # (None, the host's, never is)
    if gone:
        gone.sort()
        return 'netns %s' % ', '.join(gone), gone[0]
    for netns, dev in resource.devices():
        if (netns, dev) in devices:
            return '%s%s' % (dev, '' if netns is None else ' in netns %s' % netns), netns
    return None


def _gone_with_plan(resource, what):
    """The plan of an object removed together with a namespace: not read (the namespace may hold thousands of
    objects, and reading them would cost far more than removing them), so its state before is not known."""
    return Plan(resource, {'state': 'removed with %s' % what}, {'state': ABSENT},
                notes=['removed together with %s' % what], gone_with=what)


def converge(session, resources, before_apply=None, keep_states=True):
    """Plan and apply resources stage by stage; before_apply(plans) runs before each stage's changes.

    Without keep_states, a plan keeps only the state of its object before (present or absent) once its stage
    is done: the report then counts and names the changes, but has no diff (a topology of thousands of
    objects run without diff mode needs no more, and their states are most of what it would hold).
    """
    report = Report()
    namespaces, devices = doomed(session, resources)
    settle(session, resources, namespaces)
    inside = {}  # doomed namespace -> {kind: described objects removed with it}
    for stage in stages(resources):
        plans = []
        for resource in stage:
            gone_with = _goes_with(resource, namespaces, devices)
            if gone_with is not None:
                counts = inside.setdefault(gone_with[1], {})
                counts[resource.kind] = counts.get(resource.kind, 0) + 1
                plans.append(_gone_with_plan(resource, gone_with[0]))
                continue
            try:
                before = resource.read(session)
                plan = resource.plan(session, before)
                name = resource.defines_namespace()
                if name in inside and plan.changed and isinstance(plan.before, dict):
                    # the diff says what goes with the namespace
                    plan.before['described_objects_inside'] = dict(inside[name])
            except NamespaceGone as exc:
                if resource.state != ABSENT:
                    raise ConvergeError(resource, None, exc, report.applied)
                # removing something whose namespace was just removed (by a concurrent run): it is gone
                plan = Plan(resource, {'state': ABSENT}, {'state': ABSENT}, notes=[exc.msg])
            except NetnsError as exc:
                raise ConvergeError(resource, None, exc, report.applied)
            except OSError as exc:
                # setns, /proc, /etc/netns...: a failure reading or planning is named like one applying
                raise ConvergeError(resource, None, from_os_error(exc, 'reading %s' % resource.key()), report.applied)
            plans.append(plan)
        if before_apply is not None and not session.check_mode:
            try:
                before_apply(plans)
            except OSError as exc:
                raise NetnsError(from_os_error(exc, 'recording what this run creates').msg)
        with _stage_lock(session, plans):
            _apply(session, plans, report, keep_states)
        # a session that holds deleted namespaces open (Session) lets them go before the next stage creates
        # anything in their place; sessions of files and units hold none
        release_deleted = getattr(session, 'release_deleted', None)
        if release_deleted is not None:
            release_deleted()
    report.warnings = list(getattr(session, 'warnings', ()))
    return report


@contextlib.contextmanager
def _stage_lock(session, plans):
    """The session's /run/netns lock, if removals of this stage take it: taken once for the stage (each change
    re-enters it), not once per namespace. (Deleting an entry costs about what taking the lock does, creating a
    namespace hundreds of times more: a stage of creations takes it once per namespace, and leaves the other runs
    their turns.)"""
    if session.check_mode or not any(plan.changes and plan.resource.run_dir_lock and plan.resource.state == ABSENT
                                     for plan in plans):
        yield
        return
    try:
        session.lock.__enter__()
    except OSError as exc:
        raise from_os_error(exc, 'locking %s' % session.run_dir)
    try:
        yield
    finally:
        session.lock.__exit__(None, None, None)


def _apply(session, plans, report, keep_states):
    for plan in plans:
        if session.check_mode:
            plan.resource.simulate(session, plan)
        else:
            for change in plan.changes:
                try:
                    change.run(session)
                except NamespaceGone as exc:
                    if plan.resource.state != ABSENT:
                        raise ConvergeError(plan.resource, change.text, exc, report.applied)
                    break  # its namespace went away meanwhile, and the object with it
                except NetnsError as exc:
                    raise ConvergeError(plan.resource, change.text, exc, report.applied)
                except OSError as exc:
                    raise ConvergeError(plan.resource, change.text, from_os_error(exc, change.text),
                                        report.applied)
                report.applied.append(change.text)
        for change in plan.changes:
            change.run = None  # done or simulated: what its closure holds can go (thousands of them at scale)
        if not keep_states:
            plan.before = {'state': (plan.before or {}).get('state')}
            plan.after = None
        report.plans.append(plan)
