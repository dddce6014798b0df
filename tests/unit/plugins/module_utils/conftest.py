# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The session fixture of the planning tests: a FakeSession, and the directory listings it stands in for."""

import pytest

from ansible_collections.linuxnet.netns.plugins.module_utils import _kernel as kernel
from ansible_collections.linuxnet.netns.plugins.module_utils import _nft as nft
from ansible_collections.linuxnet.netns.tests.unit.plugins.module_utils.fakes import FakeSession


@pytest.fixture
def session(monkeypatch, tmp_path):
    """A FakeSession with only the host namespace. kernel.list_entries (which the resources call to look at
    every other namespace) lists the session's namespaces, and /etc/netns is an empty scratch directory."""
    fake = FakeSession(str(tmp_path / 'run-netns'))
    monkeypatch.setattr(kernel, 'list_entries', fake.list_entries)
    monkeypatch.setattr(kernel, 'ETC_DIR', str(tmp_path / 'etc-netns'))
    return fake


@pytest.fixture(autouse=True)
def no_nft(monkeypatch):
    """Unit tests start no process: nft is not there (test_firewall puts a stand-in in its place)."""
    monkeypatch.setattr(nft, 'find', lambda: None)
