# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a topology created, recorded so that purge removes only that: /var/lib/linuxnet-netns/NAME.json.

The record maps an ownership key (a resource's key, or key/address for one address, key/file for one
/etc/netns file) to the section and the item that removes the object again. Each resource says what it owns
(Resource.owned, Resource.described_keys); the removals are built by the sections' own builders.

Private to this collection: may change without notice.
"""

import json
import os

from ansible_collections.linuxnet.netns.plugins.module_utils import _files as files
from ansible_collections.linuxnet.netns.plugins.module_utils import _kinds as kinds
from ansible_collections.linuxnet.netns.plugins.module_utils import _validate as validate
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import ABSENT, ObjectInside, labelled

STATE_DIR = '/var/lib/linuxnet-netns'
RECORD_VERSION = 1


def record_path(name, state_dir=STATE_DIR):
    validate.netns_name(name, 'name')  # a plain file name, same rules
    return os.path.join(state_dir, '%s.json' % name)


def load(path):
    try:
        text = files.read_text(path)
    except OSError as exc:
        raise NetnsError('cannot read the ownership record %s: %s' % (path, exc.strerror), errno=exc.errno)
    if text is None:
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise NetnsError('the ownership record %s is not valid JSON (%s); move it away to start afresh' % (path, exc))
    if data.get('version') != RECORD_VERSION:
        raise NetnsError('the ownership record %s has version %r, expected %d' % (path, data.get('version'), RECORD_VERSION))
    return data.get('objects', {})


def save(path, objects):
    content = json.dumps({'version': RECORD_VERSION, 'objects': objects}, sort_keys=True, separators=(',', ':'))
    files.write_atomic(path, content, what='the ownership record')


def described_keys(resources):
    """Ownership keys of everything the description wants present."""
    keys = set()
    for resource in resources:
        keys.update(resource.described_keys())
    return keys


def removed_keys(resources):
    """Ownership keys of everything the description itself removes."""
    keys = set()
    for resource in resources:
        if resource.state == ABSENT:
            keys.update(resource.ownership_keys())
    return keys


def record_created(owned, plans):
    """Add what these plans create to the record; return whether anything was added."""
    added = False
    for plan in plans:
        for key, section, item in plan.resource.owned(plan):
            if key not in owned:
                owned[key] = {'section': section, 'item': item}
                added = True
    return added


def purge_resources(record, keep_keys, removed_namespaces=(), removed_keys=()):
    """Removal resources for what the record says we created and the description no longer has.

    Keys in removed_keys are purged from the record without a resource of their own: the description removes
    those objects itself (a whole topology's teardown lists every recorded object again, and building each
    a second time would cost a tenth of the teardown). So are the objects inside removed_namespaces, which the
    description removes. An object inside a namespace the purge removes is an ObjectInside: it goes with it.
    """
    items = dict((section.name, []) for section in kinds.SECTIONS)
    keys = dict((section.name, []) for section in kinds.SECTIONS)
    purged = []
    for key in sorted(record):
        entry = record[key]
        if key in keep_keys or entry.get('section') not in items:
            continue
        purged.append(key)
        if key not in removed_keys:
            items[entry['section']].append(dict(entry['item'], state=ABSENT))
            keys[entry['section']].append(key)
    purged_namespaces = set(item['name'] for item in items['namespaces'])
    resources = []
    for section in kinds.SECTIONS:
        built = []
        for key, item in zip(keys[section.name], items[section.name]):
            netns = item.get(section.netns_option) if section.netns_option else None
            if netns in removed_namespaces:
                continue  # goes with a namespace the description removes
            if netns in purged_namespaces:
                # removing a namespace removes its /etc/netns directory: no file-by-file removal inside it
                if section.built_when_removing:
                    resources.append(labelled(ObjectInside(section.objects, netns, record_key=key), 'purge %s' % key))
                continue
            built.append(('', item))
        # items were recorded normalised: the builder takes them as they are
        for resource in section.build(built):
            resource.label = 'purge %s' % resource.key()
            resources.append(resource)
    return resources, purged
