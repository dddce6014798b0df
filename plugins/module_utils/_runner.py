# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""AnsibleModule glue shared by every module: guard, validate, converge, report.

Private to this collection: may change without notice.
"""

import gc

from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.linuxnet.netns.plugins.module_utils import _nl as nl
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError
from ansible_collections.linuxnet.netns.plugins.module_utils._reconcile import ConvergeError, converge
from ansible_collections.linuxnet.netns.plugins.module_utils._session import Session


def new_module(argument_spec, read_only=False, **kwargs):
    """An AnsibleModule for this collection. Reading and planning need no pyroute2 (check mode, netns_info):
    only a run that may change the kernel fails without it."""
    kwargs.setdefault('supports_check_mode', True)
    module = AnsibleModule(argument_spec=argument_spec, **kwargs)
    if not nl.HAS_PYROUTE2 and not (read_only or module.check_mode):
        message = missing_required_lib('pyroute2', url='https://pypi.org/project/pyroute2/').rstrip('. ')
        module.fail_json(msg='%s. %s' % (message, nl.PYROUTE2_INSTALL_HINT), exception=nl.PYROUTE2_IMPORT_ERROR)
    too_old = nl.pyroute2_too_old()
    if too_old:
        module.fail_json(msg=too_old)
    # Our "path" is a namespace entry, not a managed file: keep AnsibleModule from
    # replacing "state" with "file" and adding owner/mode/size of /run/netns/NAME.
    module.add_path_info = lambda kwargs: kwargs
    return module


def fail(module, exc, **extra):
    if isinstance(exc, ConvergeError):
        extra.setdefault('failed_object', exc.object)
        extra.setdefault('applied', exc.applied)
    module.fail_json(msg=exc.msg, **extra)


def warn(module, report):
    """The notes of resources that say their notes need the user's attention (a class attribute warns, e.g. a
    firewall another table's policy overrides) become Ansible warnings."""
    for plan in report.plans:
        if getattr(plan.resource, 'warns', False):
            for note in plan.notes:
                module.warn(note)
    for text in report.warnings:
        module.warn(text)


def run_module(argument_spec, build, **kwargs):
    """The whole life of a single-object module.

    build is the kind's builder (_kinds): given the one item [('', params)], it returns the Resources
    describing the object the module manages (e.g. a namespace and its sysctls), validating everything before
    the kernel is touched. Their results are merged into the module's return.
    """
    module = new_module(argument_spec, **kwargs)
    try:
        resources = build([('', module.params)])
        with Session(check_mode=module.check_mode) as session:
            report = converge(session, resources)
            result = {}
            for plan in report.plans:
                result.update(plan.resource.result(session, plan, not module.check_mode))
    except NetnsError as exc:
        fail(module, exc)
    result['changed'] = report.changed
    result['actions'] = report.actions
    if module._diff:
        result['diff'] = report.diff_single()
    warn(module, report)
    module.exit_json(**result)


def release_description(module, sections):
    """Drop the copies of a normalised description's items that the module no longer reads; return how many
    items each section had.

    ansible-core holds the parameters twice besides the raw JSON (the validated params and, since 2.19, a
    parsed copy it reads only for its own underscore options): at thousands of namespaces that is tens of
    megabytes the converge could use.
    """
    counts = {}
    parsed = getattr(basic, '_PARSED_MODULE_ARGS', None)
    for name in sections:
        counts[name] = len(module.params.get(name) or ())
        module.params[name] = None
        if isinstance(parsed, dict):
            parsed.pop(name, None)
    return counts


def run_topology():
    """The topology module: validate every item with its module's spec, converge all in one process."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.linuxnet.netns.plugins.module_utils import _applier as applier
    from ansible_collections.linuxnet.netns.plugins.module_utils import _kinds as kinds
    from ansible_collections.linuxnet.netns.plugins.module_utils import _topology as topology

    module = new_module(kinds.TOPOLOGY)
    params = module.params
    try:
        normalised = topology.normalise(params, ArgumentSpecValidator)
        counts = release_description(module, kinds.BY_NAME)
        # what exists now (the description, Ansible's module state) lives until the module exits: the collector
        # need not walk it again at each of its passes during the converge (at W(1000), 20 ms of a teardown)
        gc.freeze()
        outcome = topology.converge_topology(normalised, state=params['state'], purge=params['purge'],
                                             name=params['name'], check_mode=module.check_mode,
                                             state_dir=params['state_dir'], objects=params['objects'],
                                             diff=module._diff)
        if params['persist_file']:
            content = applier.persisted_content(normalised, params['state'], params['purge'], params['name'],
                                                params['state_dir'])
            outcome['persisted'] = applier.persist(params['persist_file'], content, module.check_mode)
            outcome['applier'] = applier.install(params['persist_lib'], module.check_mode)
            outcome['applier_command'] = '%s/%s %s' % (
                params['persist_lib'], applier.APPLIER_NAME, params['persist_file'])
            outcome['changed'] = outcome['changed'] or outcome['persisted'] or outcome['applier']
    except NetnsError as exc:
        fail(module, exc)
    report = outcome.pop('report')
    if module._diff:
        outcome['diff'] = report.diff_by_key()
    warn(module, report)
    # AnsibleModule would echo every item back (the largest part of an unchanged run's result): the options, and
    # how many items each section had
    outcome['invocation'] = {'module_args': dict(
        (key, ('%d items' % counts[key]) if key in counts else value) for key, value in params.items())}
    module.exit_json(**outcome)
