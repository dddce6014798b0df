# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

import pytest

from ansible_collections.linuxnet.netns.plugins.module_utils import _validate as validate
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import ParameterError


@pytest.mark.parametrize('name', ['ns1', 'web-2', 'a.b', 'x' * 255, 'ünï', 'cni-1234-abcd'])
def test_netns_name_accepts(name):
    assert validate.netns_name(name) == name


@pytest.mark.parametrize('name, fragment', [
    ('', 'must not be empty'),
    ('.', '"." or ".."'),
    ('..', '"." or ".."'),
    ('../etc', 'must not contain "/"'),
    ('a/b', 'must not contain "/"'),
    ('/run/netns/x', 'must not contain "/"'),
    ('x' * 256, 'at most 255 bytes'),
    ('é' * 128, 'at most 255 bytes'),  # 256 bytes in UTF-8
    ('a\0b', 'NUL'),
    (5, 'must be a string'),
])
def test_netns_name_refuses(name, fragment):
    with pytest.raises(ParameterError) as exc:
        validate.netns_name(name, 'name')
    assert fragment in exc.value.msg
    assert exc.value.msg.startswith('name: ')
    assert repr(name) in exc.value.msg


def test_optional_netns_name_host():
    assert validate.optional_netns_name(None) is None
    assert validate.optional_netns_name('') is None
    assert validate.optional_netns_name('ns1') == 'ns1'


@pytest.mark.parametrize('name', ['eth0', 'veth-a.100', 'x' * 15, 'br_0'])
def test_ifname_accepts(name):
    assert validate.ifname(name) == name


@pytest.mark.parametrize('name', ['', 'x' * 16, 'a/b', 'a b', 'a:b', '.', '..', 'tab\there'])
def test_ifname_refuses(name):
    with pytest.raises(ParameterError) as exc:
        validate.ifname(name, 'peer')
    assert exc.value.msg.startswith('peer: ')


def test_interface_cidr():
    assert validate.interface_cidr('198.18.0.1/24') == ipaddress.ip_interface('198.18.0.1/24')
    assert validate.interface_cidr(' 2001:db8::1/64 ') == ipaddress.ip_interface('2001:db8::1/64')
    # compared as values, never as strings
    assert validate.interface_cidr('2001:db8:0::0001/64') == validate.interface_cidr('2001:db8::1/64')


@pytest.mark.parametrize('value, fragment', [
    ('198.18.0.300/24', 'not a valid'),
    ('198.18.0.1', 'needs a prefix length'),
    ('2001:db8::1', '/128'),
    ('198.18.0.1/33', 'not a valid'),
    ('', 'non-empty'),
    ('nonsense', 'needs a prefix length'),
])
def test_interface_cidr_refuses(value, fragment):
    with pytest.raises(ParameterError) as exc:
        validate.interface_cidr(value, 'address')
    assert fragment in exc.value.msg
    assert exc.value.msg.startswith('address: ')


def test_route_destination():
    assert str(validate.route_destination('default')) == '0.0.0.0/0'
    assert str(validate.route_destination('default', family=6)) == '::/0'
    assert str(validate.route_destination('198.19.0.0/16')) == '198.19.0.0/16'
    assert str(validate.route_destination('198.19.2.3')) == '198.19.2.3/32'
    with pytest.raises(ParameterError) as exc:
        validate.route_destination('198.19.2.3/16')
    assert 'did you mean 198.19.0.0/16' in exc.value.msg
    with pytest.raises(ParameterError):
        validate.route_destination('198.18.0.0/15', family=6)


def test_route_table(tmp_path):
    rt = tmp_path / 'rt_tables'
    rt.write_text(u'# comment\n100 blue\n0x65 green # hex\n')
    tables = validate.read_rt_tables(files=[str(rt)], dirs=[])
    assert tables['blue'] == 100
    assert tables['green'] == 101
    assert tables['main'] == 254
    assert validate.route_table('blue', tables=tables) == 100
    assert validate.route_table(42) == 42
    assert validate.route_table('42') == 42
    assert validate.route_table(None) == 254
    with pytest.raises(ParameterError) as exc:
        validate.route_table('nosuchname', tables=tables)
    assert exc.value.msg.startswith('table: ')
    assert 'nosuchname' in exc.value.msg
    with pytest.raises(ParameterError):
        validate.route_table(0)


def test_scope():
    assert validate.route_scope('link') == 253
    assert validate.route_scope(200) == 200
    assert validate.scope_name(253) == 'link'
    with pytest.raises(ParameterError):
        validate.route_scope('galaxy')


@pytest.mark.parametrize('key, path', [
    ('net.ipv4.ip_forward', 'net/ipv4/ip_forward'),
    ('net/ipv4/conf/eth0.100/forwarding', 'net/ipv4/conf/eth0.100/forwarding'),
])
def test_sysctl_key(key, path):
    assert validate.sysctl_key(key) == path


@pytest.mark.parametrize('key', ['kernel.hostname', 'vm.swappiness', 'net..ipv4', 'net/../kernel/x', '', 'net.ipv4.ip forward'])
def test_sysctl_key_refuses(key):
    with pytest.raises(ParameterError):
        validate.sysctl_key(key, 'sysctls')


def test_sysctl_value():
    assert validate.sysctl_value(1) == '1'
    assert validate.sysctl_value(True) == '1'
    assert validate.sysctl_value('4096\t87380  6291456') == '4096 87380 6291456'
    assert validate.sysctl_value([0, 2147483647]) == '0 2147483647'


@pytest.mark.parametrize('value', ['02:00:00:00:00:01', '02-AB-00-00-00-01'])
def test_mac(value):
    assert validate.mac(value) == value.lower().replace('-', ':')


@pytest.mark.parametrize('value', ['01:00:5e:00:00:01', '02:00:00:00:00', 'zz:00:00:00:00:01'])
def test_mac_refuses(value):
    with pytest.raises(ParameterError):
        validate.mac(value)


@pytest.mark.parametrize('value', ['../passwd', 'a/b', '.', '..', ''])
def test_etc_file_name_refuses(value):
    with pytest.raises(ParameterError):
        validate.etc_file_name(value)


def test_integer_bounds():
    assert validate.integer('5', 'nsid', minimum=0) == 5
    with pytest.raises(ParameterError) as exc:
        validate.integer(-5, 'nsid', minimum=0)
    assert exc.value.msg == 'nsid: must be at least 0 (got -5)'
    with pytest.raises(ParameterError):
        validate.integer(True, 'nsid')
