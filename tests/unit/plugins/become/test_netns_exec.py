# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The become plugin refuses names that are not entries of /run/netns, with the core's rules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleError

from ansible_collections.linuxnet.netns.plugins.become.netns_exec import check_netns_name


@pytest.mark.parametrize('name', ['', '.', '../etc', 'a/b', 'a' * 256])
def test_bad_names_are_refused_naming_the_variable(name):
    with pytest.raises(AnsibleError, match='linuxnet.netns.netns_exec: ansible_become_netns: '):
        check_netns_name(name)


def test_a_plain_name_is_accepted():
    assert check_netns_name('app') == 'app'
