# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A whole host's namespaces, links, addresses and routes converged in one process.

Each item is validated with the argument spec of its single-object module and
becomes the same Resource that module would build: there is no second
implementation of any object. What the topology created is recorded in an
ownership file, so purge removes only what it made.

This file imports nothing from Ansible at module level, so the boot-time
applier (roles/topology, no Ansible on the host) can use it with a description
the module already validated and normalised.

Private to this collection: may change without notice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import json
import os
import pkgutil
import tempfile
import time

from ansible_collections.linuxnet.netns.plugins.module_utils import _argspec as argspec
from ansible_collections.linuxnet.netns.plugins.module_utils._address import AddressResource
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError
from ansible_collections.linuxnet.netns.plugins.module_utils._link import LinkResource, VethResource
from ansible_collections.linuxnet.netns.plugins.module_utils._netns import (
    EtcFilesResource, NetnsResource, SysctlResource,
)
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import ABSENT, PRESENT, converge
from ansible_collections.linuxnet.netns.plugins.module_utils._route import RouteResource, RouteSetResource
from ansible_collections.linuxnet.netns.plugins.module_utils._session import Session
from ansible_collections.linuxnet.netns.plugins.module_utils import _validate as validate

STATE_DIR = '/var/lib/linuxnet-netns'
RECORD_VERSION = 1

# list name -> argument spec of its items
SECTIONS = (
    ('namespaces', argspec.NETNS),
    ('sysctls', argspec.TOPOLOGY_SYSCTLS),
    ('etc_files', argspec.TOPOLOGY_ETC_FILES),
    ('links', argspec.LINK),
    ('veths', argspec.VETH),
    ('addresses', argspec.ADDRESS),
    ('routes', argspec.ROUTE),
)


def normalise(description, validator_class):
    """Validate every item with its module's argument spec; return the items with defaults filled.

    Raises ParameterError naming the item, e.g. "veths[3]: missing required arguments: peer".
    """
    normalised = {}
    for section, spec in SECTIONS:
        items = description.get(section) or []
        if not isinstance(items, list):
            raise ParameterError(section, items, 'must be a list')
        result = []
        for index, item in enumerate(items):
            label = '%s[%d]' % (section, index)
            if not isinstance(item, dict):
                raise ParameterError(label, item, 'must be a dictionary of the options of the %s items' % section)
            validation = validator_class(spec).validate(item)
            if validation.error_messages:
                raise ParameterError(label, item, '; '.join(validation.error_messages))
            result.append(dict(validation.validated_parameters))
        normalised[section] = result
    return normalised


def build(normalised, state=PRESENT):
    """Resources of a normalised description; state=absent turns every item into a removal."""
    resources = []

    def item_state(item):
        return ABSENT if state == ABSENT else item.get('state') or PRESENT

    for index, item in enumerate(normalised.get('namespaces', [])):
        prefix = 'namespaces[%d].' % index
        item_state_value = item_state(item)
        resource = NetnsResource(item['name'], item_state_value, item.get('nsid'), param_prefix=prefix)
        resources.append(_labelled(resource, prefix))
        if item_state_value == PRESENT and item.get('sysctls') is not None:
            resources.append(_labelled(SysctlResource(resource.name, item['sysctls'], param=prefix + 'sysctls'), prefix))
        if item_state_value == PRESENT and item.get('etc_files') is not None:
            resources.append(_labelled(EtcFilesResource(resource.name, item['etc_files'], param=prefix + 'etc_files'),
                                       prefix))
    if state == PRESENT:
        for index, item in enumerate(normalised.get('sysctls', [])):
            prefix = 'sysctls[%d].' % index
            netns = validate.optional_netns_name(item.get('netns'), prefix + 'netns')
            resources.append(_labelled(SysctlResource(netns, item['sysctls'], param=prefix + 'sysctls'), prefix))
        for index, item in enumerate(normalised.get('etc_files', [])):
            prefix = 'etc_files[%d].' % index
            netns = validate.netns_name(item.get('netns'), prefix + 'netns')
            resources.append(_labelled(EtcFilesResource(netns, item['etc_files'], param=prefix + 'etc_files'), prefix))
    for section, klass in (('links', LinkResource), ('veths', VethResource)):
        for index, item in enumerate(normalised.get(section, [])):
            prefix = '%s[%d].' % (section, index)
            resources.append(_labelled(klass(dict(item, state=item_state(item)), prefix), prefix))
    resources.extend(_addresses(normalised.get('addresses', []), item_state))
    resources.extend(_routes(normalised.get('routes', []), item_state))
    _check_unique(resources)
    return resources


def preflight(session, resources):
    """Before any change: every namespace an item needs exists or is described (and not removed)."""
    described = set(r.name for r in resources if r.kind == 'netns' and r.state == PRESENT)
    removed = set(r.name for r in resources if r.kind == 'netns' and r.state == ABSENT)
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
                raise ParameterError('%s.%s' % (resource.label, param), name,
                                     'network namespace %r does not exist and is not described in namespaces' % name)


def _labelled(resource, prefix):
    resource.label = prefix.rstrip('.')
    return resource


def _addresses(items, item_state):
    """One resource per device and state: several items naming one device are merged."""
    merged = {}
    order = []
    for index, item in enumerate(items):
        prefix = 'addresses[%d].' % index
        resource = AddressResource(dict(item, state=item_state(item)), prefix)
        key = (resource.key(), resource.state)
        if key in merged:
            first = merged[key]
            first.addresses |= resource.addresses
            first.keep |= resource.keep
            first.exclusive = first.exclusive or resource.exclusive
            first.label = '%s+%s' % (first.label, prefix.rstrip('.'))
            continue
        merged[key] = _labelled(resource, prefix)
        order.append(key)
    resources = [merged[key] for key in order]
    # exclusive keeps every address described for the device, whichever item lists it
    present = dict((r.key(), r) for r in resources if r.state == PRESENT)
    for resource in resources:
        if resource.state == ABSENT and resource.key() in present:
            clash = resource.addresses & present[resource.key()].addresses
            if clash:
                raise ParameterError(resource.label + '.address', sorted(str(a) for a in clash),
                                     'is described both present (%s) and absent' % present[resource.key()].label)
    return resources


def _routes(items, item_state):
    resources = []
    groups = {}
    for index, item in enumerate(items):
        prefix = 'routes[%d].' % index
        resource = _labelled(RouteResource(dict(item, state=item_state(item)), prefix), prefix)
        resources.append(resource)
        if resource.state == PRESENT:
            group = groups.setdefault((resource.netns, resource.table, resource.family), {'keep': [], 'exclusive': False})
            group['keep'].append(resource)
            group['exclusive'] = group['exclusive'] or resource.exclusive
    for (netns, table, family), group in sorted(groups.items(), key=lambda pair: repr(pair[0])):
        if group['exclusive']:
            routes = RouteSetResource(netns, table, family, group['keep'])
            routes.label = 'routes (exclusive)'
            resources.append(routes)
    return resources


def _check_unique(resources):
    """Two items describing one object (or one interface name twice in a namespace) is an error."""
    seen = {}
    names = {}
    for resource in resources:
        if resource.kind in ('address', 'routes'):
            continue
        key = (resource.key(), resource.state)
        if key in seen:
            raise ParameterError(resource.label, resource.key(), 'describes the same object as %s' % seen[key])
        seen[key] = resource.label
        if resource.state != PRESENT:
            continue
        for netns, dev in resource.devices() if resource.kind == 'veth' else (
                ((resource.netns, resource.name),) if resource.kind == 'link' else ()):
            if (netns, dev) in names:
                raise ParameterError(resource.label, dev, 'interface %s%s is also described by %s'
                                     % (dev, '' if netns is None else ' in netns %s' % netns, names[(netns, dev)]))
            names[(netns, dev)] = resource.label


# -- ownership -------------------------------------------------------------

def record_path(name, state_dir=STATE_DIR):
    validate.netns_name(name, 'name')  # a plain file name, same rules
    return os.path.join(state_dir, '%s.json' % name)


def load_record(path):
    try:
        with open(path) as handle:
            data = json.load(handle)
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return {}
        raise NetnsError('cannot read the ownership record %s: %s' % (path, exc))
    except ValueError as exc:
        raise NetnsError('the ownership record %s is not valid JSON (%s); move it away to start afresh' % (path, exc))
    if data.get('version') != RECORD_VERSION:
        raise NetnsError('the ownership record %s has version %r, expected %d' % (path, data.get('version'), RECORD_VERSION))
    return data.get('objects', {})


def save_record(path, objects):
    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, 0o755)
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise NetnsError('cannot create %s: %s' % (directory, exc))
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, 'w') as handle:
            json.dump({'version': RECORD_VERSION, 'objects': objects}, handle, sort_keys=True, separators=(',', ':'))
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(tmp, path)
    except Exception:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# Sections whose objects can be purged, and the item each owned object is re-created from.
PURGEABLE = ('namespaces', 'links', 'veths', 'addresses', 'routes', 'etc_files')


def owned_items(resource, plan):
    """(ownership key, section, item) for what this plan creates; item re-builds the object for removal."""
    created = plan.changed and (plan.before or {}).get('state') != PRESENT
    if resource.kind == 'netns' and created:
        yield resource.key(), 'namespaces', {'name': resource.name}
    elif resource.kind == 'veth' and created:
        yield resource.key(), 'veths', {'name': resource.name, 'netns': resource.netns, 'peer': resource.peer,
                                        'peer_netns': resource.peer_netns, 'force': True}
    elif resource.kind == 'link' and created and not resource.moving:
        yield resource.key(), 'links', {'name': resource.name, 'netns': resource.netns, 'kind': resource.link_kind}
    elif resource.kind == 'address':
        for item in getattr(resource, '_planned_add', ()):
            yield ('%s/%s' % (resource.key(), item), 'addresses',
                   {'dev': resource.dev, 'netns': resource.netns, 'address': [str(item)]})
    elif resource.kind == 'route' and created:
        yield resource.key(), 'routes', {'dst': str(resource.dst), 'netns': resource.netns, 'table': str(resource.table),
                                         'metric': resource.metric, 'type': resource.route_type}
    elif resource.kind == 'etc_files':
        for name, content in sorted(resource.files.items()):
            if content is not None and plan.before['etc_files'].get(name) is None:
                yield '%s/%s' % (resource.key(), name), 'etc_files', {'netns': resource.netns, 'etc_files': {name: None}}


def described_keys(resources):
    """Ownership keys of everything the description wants present."""
    keys = set()
    for resource in resources:
        if resource.state != PRESENT:
            continue
        if resource.kind == 'address':
            keys.update('%s/%s' % (resource.key(), item) for item in resource.addresses)
        elif resource.kind == 'etc_files':
            keys.update('%s/%s' % (resource.key(), name) for name, content in resource.files.items() if content is not None)
        elif resource.kind in ('netns', 'veth', 'link', 'route'):
            keys.add(resource.key())
    return keys


def purge_resources(record, keep_keys, removed_namespaces=()):
    """Removal resources for what the record says we created and the description no longer has."""
    items = dict((section, []) for section in PURGEABLE)
    purged = []
    for key in sorted(record):
        if key in keep_keys:
            continue
        entry = record[key]
        section = entry.get('section')
        if section not in items:
            continue
        items[section].append(dict(entry['item'], state=ABSENT))
        purged.append(key)
    # removing a namespace removes its /etc/netns directory: no file-by-file removal inside it
    gone = set(item['name'] for item in items['namespaces']) | set(removed_namespaces)
    items['etc_files'] = [item for item in items['etc_files'] if item['netns'] not in gone]
    description = dict((section, [dict(item) for item in section_items]) for section, section_items in items.items())
    # items were recorded already normalised; fill defaults the same way for removal
    resources = []
    for resource in build_partial(description):
        resource.label = 'purge %s' % resource.key()
        resources.append(resource)
    return resources, purged


def build_partial(description):
    """Build removal resources from recorded items (no argument-spec pass: they were recorded normalised)."""
    resources = []
    for item in description.get('namespaces', []):
        resources.append(NetnsResource(item['name'], ABSENT))
    for item in description.get('etc_files', []):
        resources.append(EtcFilesResource(item['netns'], item['etc_files']))
        resources[-1].state = PRESENT  # writing None removes the file: a "present" description of absence
    for item in description.get('links', []):
        resources.append(LinkResource(item))
    for item in description.get('veths', []):
        resources.append(VethResource(item))
    for item in description.get('addresses', []):
        resources.append(AddressResource(item))
    for item in description.get('routes', []):
        resources.append(RouteResource(item))
    return resources


# -- the run ---------------------------------------------------------------

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
        if not plan.changed:
            counts['unchanged'] += 1
        elif plan.resource.state == ABSENT:
            counts['removed'] += 1
        elif before != PRESENT and kind in ('netns', 'veth', 'link', 'route'):
            counts['created'] += 1
        else:
            counts['changed'] += 1
    return summary


def converge_topology(normalised, state=PRESENT, purge=False, name='default', check_mode=False,
                      state_dir=STATE_DIR, record=True):
    """Converge a normalised description; return the result dict (raises NetnsError/ConvergeError)."""
    started = time.time()
    resources = build(normalised, state)
    path = record_path(name, state_dir)
    owned = load_record(path) if record else {}
    purged = []
    if purge or state == ABSENT:
        keep = described_keys(resources) if state == PRESENT else set()
        removed = set(r.name for r in resources if r.kind == 'netns' and r.state == ABSENT)
        extra, purged = purge_resources(owned, keep, removed)
        described = set(r.key() for r in resources)
        resources.extend(r for r in extra if r.key() not in described)

    def record_intent(plans):
        # written before each stage's changes: a run killed midway still knows what it may have made
        changed = False
        for plan in plans:
            for key, section, item in owned_items(plan.resource, plan):
                if key not in owned:
                    owned[key] = {'section': section, 'item': item}
                    changed = True
        if changed:
            save_record(path, owned)

    with Session(check_mode=check_mode) as session:
        preflight(session, resources)
        report = converge(session, resources, before_apply=record_intent if record else None)
    if record and not check_mode and (purged or state == ABSENT):
        # only after success: a failed removal stays recorded, and the next run tries again
        forget = set(purged)
        if state == ABSENT:
            forget.update(described_keys(build(normalised)))
        for key in forget:
            owned.pop(key, None)
        save_record(path, owned)
    return {
        'changed': report.changed,
        'actions': report.actions,
        'summary': summarise(report),
        'purged': purged,
        'report': report,
        'stats': {'seconds': round(time.time() - started, 3), 'objects': len(resources), 'peak_rss_kb': peak_rss_kb()},
    }


def persisted_content(normalised, state=PRESENT, purge=False, name='default', state_dir=STATE_DIR):
    """The boot-time description: already validated and normalised, so applying it needs no Ansible."""
    return json.dumps({'version': RECORD_VERSION, 'name': name, 'state': state, 'purge': purge,
                       'state_dir': state_dir, 'topology': normalised}, indent=1, sort_keys=True) + '\n'


def persist(path, content, check_mode=False, mode=0o644):
    """Write a file if its content differs; return whether it did (or would)."""
    try:
        with open(path) as handle:
            if handle.read() == content:
                return False
    except (IOError, OSError) as exc:
        if exc.errno != errno.ENOENT:
            raise NetnsError('persist_file: cannot read %s: %s' % (path, exc), param='persist_file', value=path)
    if check_mode:
        return True
    directory = os.path.dirname(path) or '.'
    try:
        os.makedirs(directory, 0o755)
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise NetnsError('persist_file: cannot create %s: %s' % (directory, exc), param='persist_file', value=path)
    fd, tmp = tempfile.mkstemp(prefix='.tmp-', dir=directory)
    with os.fdopen(fd, 'w') as handle:
        handle.write(content)
    os.chmod(tmp, mode)
    os.rename(tmp, path)
    return True


def apply_persisted(path):
    """What the boot unit runs: converge the persisted description with the same core."""
    try:
        with open(path) as handle:
            data = json.load(handle)
    except (IOError, OSError, ValueError) as exc:
        raise NetnsError('cannot read the persisted topology %s: %s' % (path, exc))
    if data.get('version') != RECORD_VERSION:
        raise NetnsError('%s has version %r, expected %d' % (path, data.get('version'), RECORD_VERSION))
    return converge_topology(data['topology'], state=data.get('state', PRESENT), purge=data.get('purge', False),
                             name=data.get('name', 'default'), state_dir=data.get('state_dir', STATE_DIR))


# -- boot-time applier ------------------------------------------------------------

# The core files the applier needs: the same code the module runs, copied from the module's own payload.
CORE_FILES = ('_address', '_argspec', '_errors', '_kernel', '_link', '_netns', '_nl', '_reconcile', '_route',
              '_session', '_topology', '_validate')
CORE_PACKAGE = 'ansible_collections.linuxnet.netns.plugins.module_utils'
APPLIER_NAME = 'linuxnet-netns-apply'
APPLIER = '''#!@PYTHON@
"""Re-apply persisted linuxnet.netns topologies (written by the topology module), without Ansible.

usage: linuxnet-netns-apply FILE [FILE ...]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError  # noqa: E402
from ansible_collections.linuxnet.netns.plugins.module_utils._topology import apply_persisted  # noqa: E402


def main(paths):
    if not paths:
        sys.stderr.write(__doc__)
        return 2
    status = 0
    for path in paths:
        try:
            result = apply_persisted(path)
        except NetnsError as exc:
            sys.stderr.write('%s: %s\\n' % (path, exc.msg))
            status = 1
            continue
        for action in result['actions']:
            sys.stdout.write('%s: %s\\n' % (path, action))
        sys.stdout.write('%s: %s (%d objects, %.2f s)\\n' % (
            path, 'changed' if result['changed'] else 'unchanged', result['stats']['objects'],
            result['stats']['seconds']))
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
'''


def applier_files(lib_dir):
    """{path: content} of the boot-time applier: the core sources and the command that runs them."""
    # the interpreter running this module has pyroute2; the applier uses the same one
    import sys
    files = {os.path.join(lib_dir, APPLIER_NAME): APPLIER.replace('@PYTHON@', sys.executable, 1)}
    package_dir = os.path.join(lib_dir, *CORE_PACKAGE.split('.'))
    for name in CORE_FILES:
        files[os.path.join(package_dir, name + '.py')] = _core_source(name)
    return files


def _core_source(name):
    """Source of a core file: from the AnsiballZ payload when run as a module, else beside this file."""
    try:
        data = pkgutil.get_data(CORE_PACKAGE, name + '.py')
    except (IOError, OSError, ImportError):
        data = None
    if data is None:
        try:
            with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), name + '.py'), 'rb') as handle:
                data = handle.read()
        except (IOError, OSError) as exc:
            raise NetnsError('cannot read the core file %s.py to install the applier: %s' % (name, exc))
    return data.decode('utf-8')


def install_applier(lib_dir, check_mode=False):
    """Write the applier under lib_dir where it differs; return whether anything was (or would be) written."""
    changed = False
    for path, content in sorted(applier_files(lib_dir).items()):
        mode = 0o755 if path.endswith(APPLIER_NAME) else 0o644
        changed = persist(path, content, check_mode, mode) or changed
    return changed
