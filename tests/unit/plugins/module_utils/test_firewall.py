# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The firewall kind without a kernel: validation, rendering, reading nft listings back, and planning against
a stand-in for nft (_nft.spawn replaced) that keeps each namespace's tables as the scripts define them."""

import contextlib
import re

import pytest

from ansible_collections.linuxnet.netns.plugins.module_utils import _firewall as firewall
from ansible_collections.linuxnet.netns.plugins.module_utils import _firewall_rules as rules
from ansible_collections.linuxnet.netns.plugins.module_utils import _firewall_view as view
from ansible_collections.linuxnet.netns.plugins.module_utils import _nft as nft
from ansible_collections.linuxnet.netns.plugins.module_utils import _reconcile as reconcile
from ansible_collections.linuxnet.netns.plugins.module_utils._errors import NetnsError, ParameterError
from ansible_collections.linuxnet.netns.tests.unit.plugins.module_utils.fakes import FakeSession, address, route

# what nft 1.0.6 lists for ITEM (recorded from a real kernel: `nft -s list ruleset`)
ITEM = {
    'table': 'linuxnet',
    'masquerade': [{'source': '198.18.1.0/24', 'out_interface': 'eth0'}],
    'port_forwards': [{'protocol': 'tcp', 'port': 8080, 'to': '198.18.1.2:80', 'hairpin': True}],
    'rules': [{'chain': 'input', 'action': 'drop', 'protocol': 'tcp', 'port': ['22']},
              {'chain': 'input', 'raw': 'tcp flags syn tcp option maxseg size set 1400'}],
}
LISTED = '''table inet linuxnet {
\tcomment "managed by linuxnet.netns"
\tchain nat_prerouting {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\ttcp dport 8080 dnat ip to 198.18.1.2:80
\t}

\tchain nat_output {
\t\ttype nat hook output priority -100; policy accept;
\t\tfib daddr type local tcp dport 8080 dnat ip to 198.18.1.2:80
\t}

\tchain nat_postrouting {
\t\ttype nat hook postrouting priority srcnat; policy accept;
\t\tip saddr 198.18.1.0/24 ip daddr 198.18.1.2 tcp dport 80 ct status dnat masquerade
\t\tip saddr 198.18.1.0/24 oifname "eth0" masquerade
\t}

\tchain input {
\t\ttype filter hook input priority filter; policy accept;
\t\ttcp dport 22 drop
\t\ttcp flags syn tcp option maxseg size set 1400
\t}
}
'''
# iptables-nft's table when Docker has set the FORWARD policy to drop
DOCKER = '''table ip filter {
\tchain FORWARD {
\t\ttype filter hook forward priority filter; policy drop;
\t\tct state related counter accept
\t}
}
'''
# rule lines the renderer writes, each exactly as nft lists it back (recorded)
CANONICAL_RULES = [
    ({'chain': 'input', 'action': 'reject', 'in_interface': 'eth0', 'source': '198.18.0.0/24',
      'destination': '198.18.0.1', 'protocol': 'tcp', 'port': ['22'], 'ct_state': ['new', 'established']},
     'iifname "eth0" ip saddr 198.18.0.0/24 ip daddr 198.18.0.1 tcp dport 22 ct state established,new '
     'reject with tcp reset'),
    ({'chain': 'input', 'action': 'accept', 'protocol': 'tcp', 'port': ['443', '80', '1000-2000']},
     'tcp dport { 80, 443, 1000-2000 } accept'),
    ({'chain': 'input', 'action': 'accept', 'protocol': 'tcp', 'port': ['80-89', '90-99']}, 'tcp dport 80-99 accept'),
    ({'chain': 'input', 'action': 'accept', 'protocol': 'icmpv6'}, 'meta l4proto ipv6-icmp accept'),
    ({'chain': 'input', 'action': 'reject', 'source': '198.18.0.0/24'},
     'ip saddr 198.18.0.0/24 reject with icmp port-unreachable'),
    ({'chain': 'input', 'action': 'reject', 'source': '2001:db8::/32', 'protocol': 'icmpv6'},
     'ip6 saddr 2001:db8::/32 meta l4proto ipv6-icmp reject with icmpv6 port-unreachable'),
    ({'chain': 'input', 'action': 'reject', 'protocol': 'udp'}, 'meta l4proto udp reject'),
    ({'chain': 'input', 'action': 'accept', 'source': '198.18.0.5/32'}, 'ip saddr 198.18.0.5 accept'),
    ({'chain': 'input', 'action': 'accept', 'ct_state': ['untracked', 'invalid', 'related']},
     'ct state invalid,related,untracked accept'),
    ({'chain': 'forward', 'action': 'drop', 'out_interface': 'a', 'destination': '198.18.0.9'},
     'oifname "a" ip daddr 198.18.0.9 drop'),
    ({'chain': 'input', 'action': 'accept', 'in_interface': 'veth*'}, 'iifname "veth*" accept'),
]


class FakeNft:
    """nft over in-memory rulesets, one per namespace: a script's table blocks define tables (as written, but for
    a set of one element, which nft lists as the element), "delete
    table" removes one, "flush ruleset" empties the namespace; a line containing REFUSED is refused, as nft
    refuses a rule, and nothing of that script is applied."""

    def __init__(self):
        self.rulesets = {None: []}  # namespace ('scratch' for the throw-away one) -> [table lines]
        self.where = None
        self.calls = []

    def execute(self, argv, stdin=None):
        self.calls.append((self.where, argv[1:]))
        tables = self.rulesets.setdefault(self.where, [])
        if argv[1:] == ['-s', 'list', 'ruleset']:
            return 0, ''.join('\n'.join(lines) + '\n' for lines in tables), ''
        assert argv[1:] == ['-f', '-'], argv
        result = [list(lines) for lines in tables]
        block = None
        for number, line in enumerate(stdin.splitlines(), 1):
            if 'REFUSED' in line:
                return 1, '', '/dev/stdin:%d:1-7: Error: syntax error, unexpected string\n%s\n^^^\n' % (number, line)
            if block is not None:
                block.append(re.sub(r'\{ ?(\d+) ?\}', r'\1', line))  # as nft spells a set of one
                if line == '}':
                    result = [t for t in result if t[0] != block[0]] + [block] if len(block) > 2 else (
                        result if any(t[0] == block[0] for t in result) else result + [block])
                    block = None
            elif line == 'flush ruleset':
                result = []
            elif line.startswith('delete table '):
                header = 'table %s {' % line[len('delete table '):]
                result = [t for t in result if t[0] != header]
            elif line.startswith('table '):
                block = [line]
        self.rulesets[self.where] = result
        return 0, '', ''


class FirewallSession(FakeSession):
    """A FakeSession that also enters namespaces, for the fake nft to know which ruleset it runs in."""

    def __init__(self, run_dir, fake, check_mode=False):
        super(FirewallSession, self).__init__(run_dir, check_mode)
        self.fake = fake

    @contextlib.contextmanager
    def _at(self, where):
        self.fake.where, before = where, self.fake.where
        try:
            yield
        finally:
            self.fake.where = before

    def inside(self, ns):
        self._namespace(ns)
        return self._at(ns)

    def inside_new(self):
        return self._at('scratch')

    def addresses(self, ns):
        return list(self._namespace(ns).addresses)

    def routes(self, ns):
        return list(self._namespace(ns).routes)


class Done:
    """A finished child of the stand-in nft."""

    def __init__(self, outcome):
        self.outcome = outcome

    def result(self):
        return self.outcome


@pytest.fixture
def fake(monkeypatch):
    stand_in = FakeNft()
    monkeypatch.setattr(nft, 'spawn', lambda argv, stdin=None: Done(stand_in.execute(argv, stdin)))
    monkeypatch.setattr(nft, 'find', lambda: '/usr/sbin/nft')
    return stand_in


@pytest.fixture
def session(fake, tmp_path):
    """The host namespace and 'edge', which has 198.18.1.1/24 on eth0 and a route to 198.18.50.0/24."""
    fw_session = FirewallSession(str(tmp_path / 'run-netns'), fake)
    fw_session.add_netns('edge').add_addresses('edge', address(2, '198.18.1.1/24'))
    fw_session.add_routes('edge', route('198.18.50.0/24', gateway='198.18.1.254', oif=2))
    return fw_session


def built(params, prefix=''):
    return firewall.build([(prefix, dict(dict(netns='edge', state='present'), **params))])


def converge(session, params):
    return reconcile.converge(session, built(params))


def body_lines(item, subnets=None):
    return [line for line, _param in rules.Spec(item).body(subnets or {})]


# -- validation --------------------------------------------------------------------------------------------
@pytest.mark.parametrize('params, param, fragment', [
    ({'masquerade': [{'source': '198.18.1.7/24'}]}, 'masquerade[0].source', 'did you mean 198.18.1.0/24'),
    ({'masquerade': [{'source': '198.18.1.300/24'}]}, 'masquerade[0].source', 'not a valid address or prefix'),
    ({'masquerade': [{}]}, 'masquerade[0]', 'give source or out_interface'),
    ({'port_forwards': [{'port': 0, 'to': '198.18.1.2:80'}]}, 'port_forwards[0].port', 'at least 1'),
    ({'port_forwards': [{'port': 70000, 'to': '198.18.1.2:80'}]}, 'port_forwards[0].port', 'at most 65535'),
    ({'port_forwards': [{'port': 80, 'to': '198.18.1.2:70000'}]}, 'port_forwards[0].to', 'at most 65535'),
    ({'port_forwards': [{'port': 80, 'to': '198.18.1.2:80', 'to_address': '198.18.1.2'}]}, 'port_forwards[0].to',
     'not both'),
    ({'port_forwards': [{'port': 80}]}, 'port_forwards[0].to', 'needs to (ADDRESS:PORT) or to_address'),
    ({'port_forwards': [{'port': 80, 'to': '[198.18.1.2]:80'}]}, 'port_forwards[0].to', 'an IPv4 one ADDRESS:PORT'),
    ({'port_forwards': [{'port': 80, 'to': 'web:80'}]}, 'port_forwards[0].to', 'not a valid IPv4 or IPv6 address'),
    ({'port_forwards': [{'port': 80, 'protocol': 'sctp', 'to': '198.18.1.2'}]}, 'port_forwards[0].protocol', 'tcp, udp'),
    ({'port_forwards': [{'port': 80, 'address': '2001:db8::1', 'to': '198.18.1.2'}]}, 'port_forwards[0].address',
     'is IPv6 but the destination 198.18.1.2 is IPv4'),
    ({'rules': [{'chain': 'input', 'action': 'drop', 'protocol': 'gre'}]}, 'rules[0].protocol', 'must be one of'),
    ({'rules': [{'chain': 'input', 'action': 'drop', 'port': ['22']}]}, 'rules[0].port', 'needs protocol tcp or udp'),
    ({'rules': [{'chain': 'input', 'action': 'drop', 'protocol': 'tcp', 'port': ['22', '20-30']}]}, 'rules[0].port',
     'overlap'),
    ({'rules': [{'chain': 'input', 'action': 'drop', 'protocol': 'tcp', 'port': ['30-20']}]}, 'rules[0].port',
     'lower port'),
    ({'rules': [{'chain': 'input', 'action': 'drop', 'source': '198.18.0.0/24', 'destination': '2001:db8::/32'}]},
     'rules[0].destination', 'mixes IPv4 and IPv6'),
    ({'rules': [{'chain': 'input', 'action': 'drop', 'source': '2001:db8::/32', 'protocol': 'icmp'}]},
     'rules[0].protocol', 'does not match the IPv6'),
    ({'rules': [{'chain': 'input'}]}, 'rules[0].action', 'must be one of accept, drop, reject'),
    ({'rules': [{'chain': 'nat_prerouting', 'action': 'reject'}]}, 'rules[0].action', 'only in the input'),
    ({'rules': [{'chain': 'prerouting', 'action': 'drop'}]}, 'rules[0].chain', 'must be one of'),
    ({'rules': [{'chain': 'input', 'raw': 'accept } table ip evil {'}]}, 'rules[0].raw', 'braces'),
    ({'rules': [{'chain': 'input', 'raw': 'accept\ndrop'}]}, 'rules[0].raw', 'one line'),
    ({'rules': [{'chain': 'input', 'raw': 'accept', 'action': 'drop'}]}, 'rules[0].raw', 'got also action'),
    ({'rules': [{'chain': 'input', 'action': 'drop', 'in_interface': 'et"h0'}]}, 'rules[0].in_interface', 'quotes'),
    ({'policies': {'input': 'reject'}}, 'policies.input', 'accept, drop'),
    ({'policies': {'nat_output': 'drop'}}, 'policies', 'must be one of input'),
    ({'table': 'my table'}, 'table', 'a table name must be'),
])
def test_bad_input_names_the_parameter(fake, params, param, fragment):
    with pytest.raises(ParameterError) as caught:
        built(params, prefix='firewalls[2].')
    assert caught.value.param == 'firewalls[2].' + param
    assert caught.value.msg.startswith('firewalls[2].' + param + ':')
    if fragment:
        assert fragment in caught.value.msg
    assert fake.calls == []  # refused before nft ran at all


def test_nft_missing_is_an_error_saying_how_to_install_it(monkeypatch):
    monkeypatch.setattr(nft, 'find', lambda: None)
    with pytest.raises(NetnsError) as caught:
        built({})
    assert 'the nft command (nftables) is needed' in caught.value.msg
    assert 'apt install nftables' in caught.value.msg and 'dnf install nftables' in caught.value.msg


@pytest.mark.parametrize('to, to_address, to_port, expected', [
    ('198.18.1.2:80', '198.18.1.2', 80, '198.18.1.2:80'),
    ('198.18.1.2', '198.18.1.2', None, '198.18.1.2:8080'),
    ('[2001:db8::2]:80', '2001:db8::2', 80, '[2001:db8::2]:80'),
    ('2001:db8::2', '2001:db8::2', None, '[2001:db8::2]:8080'),
    ('[2001:db8::2]', '2001:db8::2', None, '[2001:db8::2]:8080'),
])
def test_both_destination_spellings(to, to_address, to_port, expected):
    assert rules.PortForward({'port': 8080, 'to': to}, '').item()['to'] == expected
    assert rules.PortForward({'port': 8080, 'to_address': to_address, 'to_port': to_port}, '').item()['to'] == expected


# -- rendering ---------------------------------------------------------------------------------------------
def test_the_table_is_rendered_as_nft_lists_it():
    listed = nft.parse_ruleset(LISTED)[0]
    rendered = body_lines(ITEM, {0: '198.18.1.0/24'})
    assert ['table inet linuxnet {'] + rendered + ['}'] == listed.lines


@pytest.mark.parametrize('params, line', CANONICAL_RULES)
def test_rule_lines_are_what_nft_lists(params, line):
    assert rules.Rule(params, '').line() == line


def test_chains_without_rules_or_a_drop_policy_are_not_made():
    lines = body_lines({'masquerade': [{'out_interface': 'eth0'}]})
    assert [line for line in lines if 'chain' in line] == ['\tchain nat_postrouting {']
    lines = body_lines({'policies': {'input': 'drop', 'output': 'accept'}})
    assert lines[1:] == ['\tchain input {', '\t\ttype filter hook input priority filter; policy drop;', '\t}']


def test_a_port_forward_on_an_interface_takes_no_local_connections():
    forward = rules.PortForward({'port': 53, 'protocol': 'udp', 'in_interface': 'eth0', 'address': '2001:db8::1',
                                 'to': '[2001:db8:1::2]:5353'}, '')
    assert forward.lines(None) == [('nat_prerouting', 'iifname "eth0" ip6 daddr 2001:db8::1 udp dport 53 dnat ip6 to '
                                                      '[2001:db8:1::2]:5353')]


def test_the_replace_script_is_one_transaction_that_works_with_or_without_the_table():
    script = rules.replace_script('inet', 'linuxnet', ['\tcomment "x"'])
    assert script == 'table inet linuxnet {\n}\ndelete table inet linuxnet\ntable inet linuxnet {\n\tcomment "x"\n}\n'


# -- reading listings back -----------------------------------------------------------------------------------
def test_parse_ruleset_finds_tables_chains_and_policies():
    tables = nft.parse_ruleset(LISTED + DOCKER)
    assert [(t.family, t.name, t.comment) for t in tables] == [
        ('inet', 'linuxnet', rules.MARK), ('ip', 'filter', None)]
    chain = tables[1].base_chains('forward')[0]
    assert (chain.name, chain.type, chain.priority, chain.policy) == ('FORWARD', 'filter', 'filter', 'drop')
    assert tables[1].chain('FORWARD').rules == ['ct state related counter accept']
    assert tables[0].chain('nat_output').priority == '-100'
    assert '' not in tables[0].lines


def test_a_listed_table_reads_back_as_its_item():
    assert view.item_of(nft.parse_ruleset(LISTED)[0]) == ITEM


@pytest.mark.parametrize('params, line', CANONICAL_RULES)
def test_rule_lines_read_back_as_their_items(params, line):
    expected = rules.Rule(params, '').item()
    assert view.parse_rule(params['chain'], line) == expected


def test_a_table_changed_by_hand_reads_back_as_raw_rules_that_make_it_again():
    drifted = LISTED.replace('\t\ttcp dport 22 drop\n', '\t\ttcp dport 22 drop\n\t\tip saddr 198.18.9.9 meta mark 7\n')
    drifted = drifted.replace('fib daddr type local tcp dport 8080', 'fib daddr type local tcp dport 8081')
    table = nft.parse_ruleset(drifted)[0]
    item = view.item_of(table)
    assert 'masquerade' not in item and 'port_forwards' not in item
    assert {'chain': 'input', 'raw': 'ip saddr 198.18.9.9 meta mark 7'} in item['rules']
    assert ['table inet linuxnet {'] + body_lines(item) + ['}'] == table.lines


# -- planning against the stand-in nft ------------------------------------------------------------------------
def test_check_mode_plans_the_table_nft_would_list_and_changes_nothing(session, fake):
    session.check_mode = True
    report = converge(session, {'masquerade': [{'source': '198.18.1.0/24', 'out_interface': 'eth0'}]})
    plan = report.plans[0]
    assert report.actions == ["create table inet linuxnet in netns 'edge' (1 rule)"]
    assert plan.before == {'netns': 'edge', 'table': 'linuxnet', 'family': 'inet', 'state': 'absent', 'ruleset': []}
    assert '    ip saddr 198.18.1.0/24 oifname "eth0" masquerade' in plan.after['ruleset']
    assert fake.rulesets.get('edge', []) == []
    # the wanted table was loaded and listed in the scratch namespace, the real one only listed
    assert [(where, args[0]) for where, args in fake.calls] == [('edge', '-s'), ('scratch', '-f'), ('scratch', '-s')]


def test_apply_then_again_is_unchanged_and_drift_is_repaired(session, fake):
    params = {'rules': [{'chain': 'input', 'action': 'drop', 'protocol': 'tcp', 'port': ['22']}]}
    assert converge(session, params).changed
    assert not converge(session, params).changed
    table = fake.rulesets['edge'][0]
    table.insert(-2, '\t\ttcp dport 23 accept')
    report = converge(session, params)
    assert report.actions == ["replace table inet linuxnet in netns 'edge' (+0 -1 lines: - tcp dport 23 accept)"]
    assert '    tcp dport 23 accept' in report.plans[0].before['ruleset']
    assert '\t\ttcp dport 23 accept' not in fake.rulesets['edge'][0]
    assert not converge(session, params).changed


def test_absent_deletes_only_the_owned_table(session, fake):
    converge(session, {'masquerade': [{'out_interface': 'eth0'}]})
    fake.rulesets['edge'].append(DOCKER.splitlines())
    report = reconcile.converge(session, built({'state': 'absent'}))
    assert report.actions == ["delete table inet linuxnet in netns 'edge'"]
    assert [lines[0] for lines in fake.rulesets['edge']] == ['table ip filter {']
    assert not reconcile.converge(session, built({'state': 'absent'})).changed


def test_a_table_of_that_name_not_made_here_is_never_touched(session, fake):
    fake.rulesets['edge'] = [['table inet linuxnet {', '\tchain input {', '\t}', '}']]
    for params in ({'state': 'absent'}, {'masquerade': [{'out_interface': 'eth0'}]}):
        with pytest.raises(reconcile.ConvergeError) as caught:
            converge(session, params)
        assert caught.value.param == 'table' and 'was not made by this collection' in caught.value.msg


def test_another_tables_drop_policy_on_the_forward_hook_is_a_warning(session, fake):
    fake.rulesets['edge'] = [DOCKER.splitlines()]
    report = converge(session, {'port_forwards': [{'port': 8080, 'to': '198.18.1.2:80'}]})
    assert report.plans[0].resource.warns
    assert len(report.plans[0].notes) == 1
    assert 'table ip filter' in report.plans[0].notes[0] and 'FORWARD' in report.plans[0].notes[0]
    assert 'DOCKER-USER' in report.plans[0].notes[0]
    # a table that lets nothing through that hook gets no warning
    assert converge(session, {'rules': [{'chain': 'input', 'action': 'drop'}]}).plans[0].notes == []


def test_a_port_forward_to_an_address_no_subnet_or_route_reaches_fails_before_any_change(session, fake):
    with pytest.raises(reconcile.ConvergeError) as caught:
        converge(session, {'port_forwards': [{'port': 80, 'to': '198.18.99.2:80'}]})
    assert caught.value.param == 'port_forwards[0].to' and 'is in no subnet' in caught.value.msg
    assert fake.rulesets.get('edge') == []
    # covered by a route: fine; hairpin needs a connected subnet
    assert converge(session, {'port_forwards': [{'port': 80, 'to': '198.18.50.2:80'}]}).changed
    with pytest.raises(reconcile.ConvergeError) as caught:
        converge(session, {'port_forwards': [{'port': 80, 'to': '198.18.50.2:80', 'hairpin': True}]})
    assert 'hairpin needs the address in a connected subnet' in caught.value.msg


def test_hairpin_masquerades_the_destinations_own_subnet(session):
    report = converge(session, {'port_forwards': [{'port': 80, 'to': '198.18.1.2:8080', 'hairpin': True}]})
    assert ('    ip saddr 198.18.1.0/24 ip daddr 198.18.1.2 tcp dport 8080 ct status dnat masquerade'
            in report.plans[0].after['ruleset'])


def test_a_refused_raw_rule_is_named_and_the_table_is_left_as_it_was(session, fake):
    converge(session, {'rules': [{'chain': 'input', 'action': 'accept'}]})
    before = [list(lines) for lines in fake.rulesets['edge']]
    with pytest.raises(reconcile.ConvergeError) as caught:
        converge(session, {'rules': [{'chain': 'input', 'action': 'accept'},
                                     {'chain': 'input', 'raw': 'tcp dport 22 REFUSED'}]})
    assert caught.value.param == 'rules[1].raw'
    assert "nft refuses this rule: syntax error, unexpected string (got 'tcp dport 22 REFUSED')" in caught.value.msg
    assert fake.rulesets['edge'] == before
    assert caught.value.applied == []


def test_the_tables_of_a_build_are_listed_back_in_one_scratch_load(session, fake):
    session.add_netns('core').add_addresses('core', address(2, '198.18.2.1/24'))
    items = [('firewalls[%d].' % index, {'netns': ns, 'state': 'present', 'masquerade': [{'out_interface': 'eth0'}],
                                         'port_forwards': [{'port': 80, 'to': target}]})
             for index, (ns, target) in enumerate((('edge', '198.18.1.2'), ('core', '198.18.2.2')))]
    report = reconcile.converge(session, firewall.build(items))
    assert report.changed and len(fake.rulesets['edge']) == len(fake.rulesets['core']) == 1
    assert [args[0] for where, args in fake.calls if where == 'scratch'] == ['-f', '-s']


def test_a_refused_item_in_a_batch_is_found_alone(session, fake):
    session.add_netns('core')
    items = [('firewalls[0].', {'netns': 'edge', 'state': 'present', 'rules': [{'chain': 'input', 'action': 'drop'}]}),
             ('firewalls[1].', {'netns': 'core', 'state': 'present',
                                'rules': [{'chain': 'forward', 'raw': 'REFUSED'}]})]
    with pytest.raises(reconcile.ConvergeError) as caught:
        reconcile.converge(session, firewall.build(items))
    assert caught.value.param == 'firewalls[1].rules[0].raw'
    assert caught.value.applied == []  # the first table's plan was good, but nothing is applied before all are


def test_forwarding_is_a_sysctl_resource_of_the_same_stage_keyed_apart_from_sysctls(fake):
    resources = built({'forwarding': True, 'masquerade': [{'out_interface': 'eth0'}]})
    assert [r.kind for r in resources] == ['firewall', 'forwarding']
    assert resources[1].phase == resources[0].phase == reconcile.PHASE_FIREWALL
    assert resources[1].key() == 'forwarding/edge' and resources[1].mergeable
    assert sorted(resources[1].values) == ['net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding']
    assert [r.kind for r in built({'state': 'absent', 'forwarding': True})] == ['firewall']


def test_ownership_and_removal(fake):
    resource = built({'table': 'edge_fw', 'masquerade': [{'out_interface': 'eth0'}]})[0]
    assert resource.key() == 'firewall/inet edge_fw@edge'
    assert resource.removal_item() == {'netns': 'edge', 'table': 'edge_fw'}
    removal = firewall.build([('', dict(resource.removal_item(), state='absent'))])[0]
    assert removal.key() == resource.key() and removal.state == 'absent'


def test_line_changes_quotes_a_few_lines():
    before = ['a {', '  x', '  y', '}']
    after = ['a {', '  x', '  z', '  w', '  v', '}']
    assert firewall.line_changes(before, after) == '+3 -1 lines: + z; + w; + v; ...'
    assert firewall.line_changes(before, before) == '+0 -0 lines'


def test_nft_errors_keep_the_line_and_the_message():
    error = nft.NftError('loading', '/dev/stdin:7:5-9: Error: syntax error, unexpected string\n  line\n  ^^^\n')
    assert error.errors == [(7, 'syntax error, unexpected string')]
    assert error.msg == 'loading failed: nft: syntax error, unexpected string'
    assert nft.NftError('listing', 'Error: Could not process rule: Operation not permitted\n').detail == (
        'Error: Could not process rule: Operation not permitted')


def test_a_table_listed_as_written_needs_no_scratch_load(session, fake):
    params = {'masquerade': [{'out_interface': 'eth0'}], 'rules': [{'chain': 'input', 'raw': 'tcp dport {22} drop'}]}
    converge(session, params)
    fake.calls = []
    # a raw rule spelled otherwise than nft lists it ({22}) is loaded into the scratch namespace and listed back
    assert not converge(session, params).changed
    assert [where for where, _args in fake.calls] == ['edge', 'scratch', 'scratch']
    fake.calls = []
    params['rules'][0]['raw'] = 'tcp dport 22 drop'
    converge(session, params)
    fake.calls = []
    assert not converge(session, params).changed
    assert [where for where, _args in fake.calls] == ['edge']


def test_the_namespaces_of_a_build_are_listed_together(session, fake):
    session.add_netns('core').add_addresses('core', address(2, '198.18.2.1/24'))
    items = [('firewalls[%d].' % index, {'netns': ns, 'state': 'present', 'masquerade': [{'out_interface': 'eth0'}]})
             for index, ns in enumerate(('edge', 'core', None))]
    resources = firewall.build(items)
    batch = resources[0].batch
    resources[0].read(session)
    assert sorted(batch.listed, key=lambda ns: ns or '') == [None, 'core']  # edge's was used, the others wait
    assert [where for where, _args in fake.calls] == ['edge', None, 'core']
