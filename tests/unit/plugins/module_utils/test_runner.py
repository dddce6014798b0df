# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The topology module lets go of the description's copies once it has normalised them."""

from ansible.module_utils import basic

from ansible_collections.linuxnet.netns.plugins.module_utils import _runner as runner


class Module:
    def __init__(self, params):
        self.params = params


def test_the_described_items_are_released_and_counted(monkeypatch):
    params = {'namespaces': [{'name': 'a'}, {'name': 'b'}], 'veths': None, 'state': 'present'}
    parsed = dict(params, _ansible_check_mode=False)
    monkeypatch.setattr(basic, '_PARSED_MODULE_ARGS', parsed, raising=False)
    module = Module(params)
    assert runner.release_description(module, ('namespaces', 'veths', 'routes')) == {
        'namespaces': 2, 'veths': 0, 'routes': 0}
    assert module.params == {'namespaces': None, 'veths': None, 'routes': None, 'state': 'present'}
    assert parsed == {'state': 'present', '_ansible_check_mode': False}  # ansible-core's own options stay
