# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The connection plugin refuses names that are not entries of /run/netns, with the core's rules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.linuxnet.netns.plugins.connection.netns import netns_name_problem


@pytest.mark.parametrize('name, words', [
    ('', 'must not be empty'),
    ('..', 'must not be "." or ".."'),
    ('../etc', 'must not contain "/"'),
    ('a' * 256, 'at most 255 bytes'),
])
def test_bad_names_are_refused_naming_the_variable(name, words):
    problem = netns_name_problem(name)
    assert problem.startswith('ansible_netns_name: ')
    assert words in problem


def test_a_plain_name_is_accepted():
    assert netns_name_problem('ns1') is None
