# Copyright (c) linuxnet.netns contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write what bench/bench.py needs from a playbook run to the JSON file named by $BENCH_RESULT_FILE.

Measuring from a callback keeps the measured playbook to the one task an operator would run: a second task
that registers and copies the result would add its own time to the wall clock being measured.
"""

import json
import os
import resource
import time

from ansible.plugins.callback import CallbackBase
from ansible.plugins.filter.core import to_json

DOCUMENTATION = '''
    name: bench_result
    type: aggregate
    short_description: record task timings and result sizes for bench/bench.py
    description:
      - For every task result, the size of the result as a registered variable serialised by C(to_json)
        (what C(register) keeps, without C(invocation) and internal keys), the size of its C(invocation),
        the module's own C(stats), and when the controller started the task and received its result; at the
        end, the controller's peak RSS.
    requirements:
      - BENCH_RESULT_FILE in the environment
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_result'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.loaded = time.time()
        self.task_started = None
        self.tasks = []

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.task_started = time.time()

    def record(self, result, status):
        data = result.result
        # what `register` keeps (see the strategy's result processing): no invocation, no _ansible_ keys
        registered = dict((key, value) for key, value in data.items()
                          if key != 'invocation' and not key.startswith('_ansible_'))
        # callbacks get the result without 'failed' (the event says it); the registered variable has it
        registered['failed'] = status == 'failed'
        self.tasks.append({
            'task': result.task.get_name(),
            'status': status,
            'changed': bool(data.get('changed')),
            'started': self.task_started,
            'ended': time.time(),
            'result_bytes': len(to_json(registered).encode('utf-8')),
            'invocation_bytes': len(to_json(data.get('invocation', {})).encode('utf-8')),
            'stats': data.get('stats'),
            'msg': data.get('msg'),
        })

    def v2_runner_on_ok(self, result):
        self.record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self.record(result, 'failed')

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('BENCH_RESULT_FILE')
        if path:
            with open(path, 'w') as handle:
                json.dump({'loaded': self.loaded, 'ended': time.time(), 'tasks': self.tasks,
                           'controller_rss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}, handle)
