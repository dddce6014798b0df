# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading and planning the addresses of a device against a FakeSession: adding, removing, exclusive, IPv4
primary and secondary addresses, and the builder that merges the items of one device."""

import pytest

from ansible_collections.linuxnet.netns.plugins.module_utils import _address as address_module
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError
from ansible_collections.linuxnet.netns.tests.unit.plugins.module_utils.fakes import address, link, plan, texts


@pytest.fixture
def red(session):
    """netns red with eth0 (ifindex 2) and eth1 (ifindex 3)."""
    session.add_netns('red').add_links('red', link(2, 'eth0', 'veth'), link(3, 'eth1', 'veth'))
    return session


def resource(addresses, prefix='', **params):
    return address_module.AddressResource(dict(params, dev=params.get('dev', 'eth0'), netns='red', address=addresses),
                                          prefix)


def test_add(red):
    red.add_addresses('red', address(2, '198.18.0.1/24'), address(3, '198.18.5.1/24'))
    result = plan(resource(['198.18.0.2/24', 'fd00::1/64', '198.18.0.1/24']), red)
    assert result.before == {'dev': 'eth0', 'netns': 'red', 'state': 'present', 'addresses': ['198.18.0.1/24']}
    assert texts(result) == ["add 198.18.0.2/24 to eth0 in netns 'red'", "add fd00::1/64 to eth0 in netns 'red'"]
    assert result.after == {'dev': 'eth0', 'netns': 'red', 'state': 'present',
                            'addresses': ['198.18.0.1/24', '198.18.0.2/24', 'fd00::1/64']}


def test_addresses_are_compared_normalised(red):
    red.add_addresses('red', address(2, 'fd00::1/64'))
    assert plan(resource(['fd00:0::0001/64']), red).changes == []
    # another prefix length is another address
    assert texts(plan(resource(['fd00::1/48']), red)) == ["add fd00::1/48 to eth0 in netns 'red'"]


def test_remove(red):
    red.add_addresses('red', address(2, '198.18.0.1/24'), address(2, 'fd00::1/64'))
    result = plan(resource(['198.18.0.1/24', '198.18.9.9/24'], state='absent'), red)
    assert texts(result) == ["remove 198.18.0.1/24 from eth0 in netns 'red'"]
    assert result.after['addresses'] == ['fd00::1/64']


def test_the_device_must_exist_unless_removing(red):
    with pytest.raises(NetnsError) as exc:
        plan(resource(['198.18.0.1/24'], 'addresses[1].', dev='eth7'), red)
    assert exc.value.msg == "addresses[1].dev: eth7 does not exist in netns 'red'"
    gone = plan(resource(['198.18.0.1/24'], dev='eth7', state='absent'), red)
    assert gone.changes == [] and gone.after == {'dev': 'eth7', 'netns': 'red', 'state': 'absent', 'addresses': []}


def test_exclusive_keeps_other_families_and_kernel_made_addresses(red):
    red.add_addresses('red', address(2, '198.18.0.1/24'), address(2, '198.18.0.7/24', secondary=True),
                      address(2, '198.18.1.1/24'), address(2, 'fd00::9/64'), address(2, 'fe80::1/64'),
                      address(3, '198.18.5.1/24'))
    result = plan(resource(['198.18.0.1/24'], exclusive=True), red)
    # secondaries first, then the rest in address order; IPv6 and eth1 are left alone
    assert texts(result) == ["remove 198.18.0.7/24 from eth0 in netns 'red'",
                             "remove 198.18.1.1/24 from eth0 in netns 'red'"]
    # the link-local address is the kernel's: not shown unless listed
    assert result.before['addresses'] == ['198.18.0.1/24', '198.18.0.7/24', '198.18.1.1/24', 'fd00::9/64']
    assert result.after['addresses'] == ['198.18.0.1/24', 'fd00::9/64']
    six = plan(resource(['fd00::1/64'], exclusive=True), red)
    assert texts(six) == ["remove fd00::9/64 from eth0 in netns 'red'", "add fd00::1/64 to eth0 in netns 'red'"]
    assert six.after['addresses'] == ['198.18.0.1/24', '198.18.0.7/24', '198.18.1.1/24', 'fd00::1/64']


def test_exclusive_keeps_the_loopback_addresses_of_lo(red):
    red.add_addresses('red', address(1, '127.0.0.1/8'), address(1, '::1/128'))
    result = plan(resource(['198.18.255.1/32', 'fd00::255/128'], dev='lo', exclusive=True), red)
    assert texts(result) == ["add 198.18.255.1/32 to lo in netns 'red'", "add fd00::255/128 to lo in netns 'red'"]
    assert result.before['addresses'] == []


def test_removing_a_primary_keeps_the_secondaries_of_its_subnet(red):
    red.add_addresses('red', address(2, '198.18.0.1/24'), address(2, '198.18.0.2/24', secondary=True),
                      address(2, '198.18.0.3/24', secondary=True), address(2, '198.18.1.1/24'),
                      address(2, '198.18.1.2/24', secondary=True))
    result = plan(resource(['198.18.0.1/24'], state='absent'), red)
    assert texts(result) == ["remove 198.18.0.1/24 from eth0 in netns 'red', keeping its secondary 198.18.0.2/24, "
                             "198.18.0.3/24"]
    # exclusive: the secondary that goes is removed first, then the primary, re-adding the one kept
    result = plan(resource(['198.18.0.3/24', '198.18.1.1/24', '198.18.1.2/24'], exclusive=True), red)
    assert texts(result) == ["remove 198.18.0.2/24 from eth0 in netns 'red'",
                             "remove 198.18.0.1/24 from eth0 in netns 'red', keeping its secondary 198.18.0.3/24"]
    assert result.after['addresses'] == ['198.18.0.3/24', '198.18.1.1/24', '198.18.1.2/24']


def test_what_a_plan_adds_is_owned_address_by_address(red):
    red.add_addresses('red', address(2, '198.18.0.1/24'))
    wanted = resource(['198.18.0.1/24', '198.18.0.2/24'])
    result = plan(wanted, red)
    assert list(wanted.owned(result)) == [
        ('address/eth0@red/198.18.0.2/24', 'addresses', {'dev': 'eth0', 'netns': 'red', 'address': ['198.18.0.2/24']})]
    assert wanted.described_keys() == {'address/eth0@red/198.18.0.1/24', 'address/eth0@red/198.18.0.2/24'}


def test_check_mode_sees_addresses_an_earlier_stage_adds(red):
    first = resource(['198.18.0.1/24'])
    first.simulate(red, plan(first, red))
    assert red.virtual_addresses == {('red', 'eth0'): set([address_module.interface_of(address(2, '198.18.0.1/24'))])}
    assert plan(resource(['198.18.0.1/24']), red).changes == []


@pytest.mark.parametrize('params, message', [
    ({'address': ['198.18.0.1']}, 'address: an address needs a prefix length, e.g. 198.18.0.1/24 or 198.18.0.1/32 '
                                  "for a single host (got '198.18.0.1')"),
    ({'address': [], 'exclusive': True}, 'exclusive: needs at least one address: it removes the other addresses of '
                                         'the families listed (got True)'),
    ({'address': []}, 'address: needs at least one address (got [])'),
])
def test_parameters(params, message):
    with pytest.raises(ParameterError) as exc:
        address_module.AddressResource(dict(params, dev='eth0'))
    assert exc.value.msg == message


# -- the builder -----------------------------------------------------------------------------------------------

def test_the_builder_merges_the_items_of_one_device(red):
    red.add_addresses('red', address(2, '198.18.0.9/24'))
    resources = address_module.build([
        ('addresses[0].', {'dev': 'eth0', 'netns': 'red', 'address': ['198.18.0.1/24']}),
        ('addresses[1].', {'dev': 'eth1', 'netns': 'red', 'address': ['198.18.5.1/24']}),
        ('addresses[2].', {'dev': 'eth0', 'netns': 'red', 'address': ['fd00::1/64'], 'exclusive': True}),
    ])
    assert [(r.key(), r.label) for r in resources] == [
        ('address/eth0@red', 'addresses[0]+addresses[2]'), ('address/eth1@red', 'addresses[1]')]
    # exclusive (given on one of the items) keeps what either item lists
    assert texts(plan(resources[0], red)) == ["remove 198.18.0.9/24 from eth0 in netns 'red'",
                                              "add 198.18.0.1/24 to eth0 in netns 'red'",
                                              "add fd00::1/64 to eth0 in netns 'red'"]


def test_the_builder_refuses_an_address_both_present_and_absent():
    with pytest.raises(ParameterError) as exc:
        address_module.build([
            ('addresses[0].', {'dev': 'eth0', 'netns': 'red', 'address': ['198.18.0.1/24', '198.18.0.2/24']}),
            ('addresses[1].', {'dev': 'eth0', 'netns': 'red', 'address': ['198.18.0.2/24', '198.18.0.3/24'],
                               'state': 'absent'}),
        ])
    assert exc.value.msg == ("addresses[1].address: is described both present (addresses[0]) and absent "
                             "(got ['198.18.0.2/24'])")
    # another address of the device may be removed by one item while another adds some
    resources = address_module.build([
        ('addresses[0].', {'dev': 'eth0', 'netns': 'red', 'address': ['198.18.0.1/24']}),
        ('addresses[1].', {'dev': 'eth0', 'netns': 'red', 'address': ['198.18.0.3/24'], 'state': 'absent'}),
    ])
    assert [(r.key(), r.state) for r in resources] == [('address/eth0@red', 'present'), ('address/eth0@red', 'absent')]


def test_addresses_by_device_is_what_a_user_would_manage(red):
    red.add_addresses('red', address(1, '127.0.0.1/8'), address(1, '::1/128'), address(2, 'fe80::1/64'),
                      address(2, 'fd00::1/64'), address(2, '198.18.0.1/24'), address(3, 'fe80::2/64'),
                      address(9, '198.18.9.1/24'))
    assert address_module.addresses_by_device(red, 'red') == {'eth0': ['198.18.0.1/24', 'fd00::1/64']}
