# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A whole host's namespaces, links, addresses and routes converged in one process.

Each item is validated with the argument spec of its single-object module and built by that kind's own
builder (_kinds): there is no second implementation of any object. What the topology created is recorded
(_ownership), so purge removes only what it made.

This file imports nothing from Ansible, so the boot-time applier (_applier, no Ansible on the host) runs it
with a description the module already validated and normalised.

Private to this collection: may change without notice.
"""

import time

from ansible_collections.linuxnet.netns.plugins.module_utils import _kinds as kinds
from ansible_collections.linuxnet.netns.plugins.module_utils import _ownership as ownership
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import ParameterError
from ansible_collections.linuxnet.netns.plugins.module_utils._ownership import STATE_DIR
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import ABSENT, PRESENT, converge
from ansible_collections.linuxnet.netns.plugins.module_utils._session import Session


def normalise(description, validator_class):
    """Validate every item with its module's argument spec; return the items with defaults filled.

    Raises ParameterError naming the item, e.g. "veths[3]: missing required arguments: peer".
    """
    normalised = {}
    for section in kinds.SECTIONS:
        items = description.get(section.name) or []
        if not isinstance(items, list):
            raise ParameterError(section.name, items, 'must be a list')
        result = []
        validator = validator_class(section.spec)  # one per section: making one costs as much as using it
        for index, item in enumerate(items):
            label = '%s[%d]' % (section.name, index)
            if not isinstance(item, dict):
                raise ParameterError(label, item, 'must be a dictionary of the options of the %s items' % section.name)
            validation = validator.validate(item)
            if validation.error_messages:
                raise ParameterError(label, item, '; '.join(validation.error_messages))
            result.append(dict(validation.validated_parameters))
        normalised[section.name] = result
    return normalised


def build(normalised, state=PRESENT, build_inside_removed=False):
    """Resources of a normalised description; state=absent turns every item into a removal.

    The removal of an object inside a namespace the description removes is an ObjectInside (unbuilt, unread,
    counted with its namespace), unless build_inside_removed (each object's own state is returned).
    """
    removed = set()
    if not build_inside_removed:
        removed = set(item['name'] for item in normalised.get('namespaces', [])
                      if state == ABSENT or item.get('state') == ABSENT)
    resources = []
    for section in kinds.SECTIONS:
        if state == ABSENT and not section.built_when_removing:
            continue
        items = []
        for index, item in enumerate(normalised.get(section.name, [])):
            item_state = ABSENT if state == ABSENT else item.get('state') or PRESENT
            items.append(('%s[%d].' % (section.name, index), dict(item, state=item_state)))
        resources.extend(section.build_removing(items, removed))
    check_unique(resources)
    return resources


def check_unique(resources):
    """Two items describing one object (or one interface name twice in a namespace) is an error."""
    seen = {}
    names = {}
    for resource in resources:
        if not resource.mergeable:
            # present and absent at once would never settle: each run would undo the other
            key = resource.key()
            if key in seen:
                raise ParameterError(resource.label, key, 'describes the same object as %s' % seen[key])
            seen[key] = resource.label
        if resource.state != PRESENT:
            continue
        for netns, dev in resource.interfaces():
            if (netns, dev) in names:
                raise ParameterError(resource.label, dev, 'interface %s%s is also described by %s'
                                     % (dev, '' if netns is None else ' in netns %s' % netns, names[(netns, dev)]))
            names[(netns, dev)] = resource.label


def preflight(session, resources):
    """Before any change: every namespace an item needs exists or is described (and not removed)."""
    described = set()
    removed = set()
    for resource in resources:
        if resource.defines_namespace() is not None:
            (described if resource.state == PRESENT else removed).add(resource.defines_namespace())
    for resource in resources:
        if resource.state != PRESENT:
            continue
        for param, name in resource.netns_refs():
            if name in described:
                continue
            if name in removed:
                raise ParameterError('%s.%s' % (resource.label, param), name,
                                     'names a namespace this description removes')
            if not session.exists(name):
                if session.check_mode:
                    # a dry run of a play whose earlier task makes it (another role, another topology)
                    session.assume_created(name, '%s.%s' % (resource.label, param))
                    continue
                raise ParameterError('%s.%s' % (resource.label, param), name,
                                     'network namespace %r does not exist and is not described in namespaces' % name)


def purge_removals(resources, owned, state):
    """(removal resources, purged ownership keys) for what the record holds and the description does not keep.

    Every recorded object the description neither keeps nor removes itself gets a removal of its own. One may
    share its resource key with a described resource (an address recorded on a device whose other addresses
    stay, a file recorded in an /etc/netns directory the description writes to): the two are different objects.
    """
    keep = ownership.described_keys(resources) if state == PRESENT else set()
    removed = set(r.defines_namespace() for r in resources if r.defines_namespace() and r.state == ABSENT)
    return ownership.purge_resources(owned, keep, removed, ownership.removed_keys(resources))


def peak_rss_kb():
    try:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    except ImportError:
        return None


def summarise(report):
    summary = {}
    for plan in report.plans:
        kind = plan.resource.kind
        counts = summary.setdefault(kind, {'created': 0, 'changed': 0, 'removed': 0, 'unchanged': 0})
        before = (plan.before or {}).get('state')
        if plan.resource.state == ABSENT and (before == PRESENT or plan.gone_with):
            counts['removed'] += 1  # by its own change, or together with its namespace
        elif not plan.changed:
            counts['unchanged'] += 1
        elif plan.resource.state == ABSENT:
            counts['removed'] += 1
        elif before != PRESENT and plan.resource.whole:
            counts['created'] += 1
        else:
            counts['changed'] += 1
    return summary


def converge_topology(normalised, state=PRESENT, purge=False, name='default', check_mode=False,
                      state_dir=STATE_DIR, record=True, objects=False, diff=False):
    """Converge a normalised description; return the result dict (raises NetnsError/ConvergeError).

    The result is bounded by what changed: counts per kind, and the keys of the changed objects (with diff, the
    report keeps their states for the diff). With objects, it also holds every object's state as the
    single-object module would return it (read back).
    """
    started = time.time()
    resources = build(normalised, state, build_inside_removed=objects)
    path = ownership.record_path(name, state_dir)
    owned = ownership.load(path) if record else {}
    purged = []
    if purge or state == ABSENT:
        extra, purged = purge_removals(resources, owned, state)
        resources.extend(extra)

    def record_intent(plans):
        # written before each stage's changes: a run killed midway still knows what it may have made
        if ownership.record_created(owned, plans):
            ownership.save(path, owned)

    with Session(check_mode=check_mode, brief=not (diff or objects)) as session:
        preflight(session, resources)
        report = converge(session, resources, before_apply=record_intent if record else None,
                          keep_states=diff or objects)
        states = None
        if objects:
            states = dict((name, plan.resource.result(session, plan, not check_mode))
                          for name, plan in report.named())
    if record and not check_mode and (purged or state == ABSENT):
        # only after success: a failed removal stays recorded, and the next run tries again
        # (with state absent nothing is kept, so every recorded key was purged)
        forget = set(purged)
        for key in forget:
            owned.pop(key, None)
        ownership.save(path, owned)
    result = {
        'changed': report.changed,
        'actions': report.actions,
        'summary': summarise(report),
        'changed_objects': [name for name, _plan in report.named(changed_only=True)],
        'purged': purged,
        'report': report,
        'stats': {'seconds': round(time.time() - started, 3), 'objects': len(resources), 'peak_rss_kb': peak_rss_kb()},
    }
    if states is not None:
        result['objects'] = states
    return result
