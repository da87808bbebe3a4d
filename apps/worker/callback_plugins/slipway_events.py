# Slipway's event capture (issue 21): one JSON line per ansible event, appended to the file named by
# SLIPWAY_EVENTS_FILE in the run's private 0700 directory. A notification callback (not a stdout one), so
# what ansible prints stays exactly as it is; the worker tails the file and masks every string before it
# stores, streams or returns anything.
#
# Why an append-only file and not a pipe or a socket: a write to a file never waits for its reader, so a
# slow database (or a worker busy elsewhere) can never block ansible; the backlog sits on disk, not in the
# worker's memory, and file order is event order. The file is bounded (SLIPWAY_EVENTS_MAX_BYTES): past it
# events are counted, not written, and the count goes out with the final stats (which is always written).
from __future__ import annotations

DOCUMENTATION = '''
    name: slipway_events
    type: notification
    short_description: JSON lines of ansible's events for Slipway
    description:
      - Appends one JSON object per playbook, play, task, host result, loop item and final stats to the
        file named by SLIPWAY_EVENTS_FILE. Does nothing when it is unset.
    requirements:
      - enabled through ANSIBLE_CALLBACKS_ENABLED
'''

import json
import os
import time

from ansible.playbook.block import Block
from ansible.plugins.callback import CallbackBase

FORMAT_VERSION = 1
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
# One string of a result longer than this is cut (the worker cuts far shorter after masking).
MAX_STRING_CHARS = 1024 * 1024
# Keys of a result that are ansible's own bookkeeping, or the module's arguments, never output.
DROPPED_KEYS = frozenset(['invocation', '_ansible_verbose_always', '_ansible_verbose_override', '_ansible_item_label'])


def _now_ms():
    return round(time.time() * 1000, 3)


def _plain(value, depth=0):
    """A JSON-able copy: strings cut at MAX_STRING_CHARS, anything else as its text."""
    if depth > 32:
        return '...'
    if isinstance(value, str):
        return value if len(value) <= MAX_STRING_CHARS else value[:MAX_STRING_CHARS]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items() if not str(k).startswith('_ansible') and k not in DROPPED_KEYS}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v, depth + 1) for v in value]
    return _plain(str(value), depth + 1)


def _rescued(task):
    """True when the task sits in the main part of a block that has a rescue section."""
    parent = getattr(task, '_parent', None)
    while parent is not None:
        if isinstance(parent, Block) and parent.rescue:
            if any(getattr(t, '_uuid', None) == task._uuid for t in parent.block):
                return True
        parent = getattr(parent, '_parent', None)
    return False


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'slipway_events'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._path = os.environ.get('SLIPWAY_EVENTS_FILE')
        self._max_bytes = int(os.environ.get('SLIPWAY_EVENTS_MAX_BYTES') or DEFAULT_MAX_BYTES)
        self._file = open(self._path, 'ab', buffering=0) if self._path else None
        self._written = 0
        self._seq = 0
        self._not_kept = 0
        self._task_started = {}
        self._check = False
        self._diff = False

    def _emit(self, event, always=False):
        if self._file is None:
            return
        body = {'v': FORMAT_VERSION, 'seq': self._seq + 1, 't': _now_ms()}
        body.update(event)
        line = (json.dumps(body, separators=(',', ':'), ensure_ascii=False, default=str) + '\n').encode('utf-8', 'surrogateescape')
        if not always and self._written + len(line) > self._max_bytes:
            self._not_kept += 1
            return
        self._seq += 1
        # One write() per line on an O_APPEND file: a line is never interleaved or torn by a reader.
        self._file.write(line)
        self._written += len(line)

    # playbook and plays

    def v2_playbook_on_start(self, playbook):
        self._emit({'type': 'playbook_start', 'playbook': os.path.basename(playbook._file_name)})

    def v2_playbook_on_play_start(self, play):
        self._check = bool(getattr(play, 'check_mode', False))
        self._diff = bool(getattr(play, 'diff', False))
        self._emit({'type': 'play_start', 'play': play.get_name(), 'playId': str(play._uuid), 'check': self._check, 'diffMode': self._diff})

    # tasks

    def _task_start(self, task, handler):
        self._task_started[task._uuid] = time.time()
        path = task.get_path() or ''
        self._emit({
            'type': 'task_start',
            'taskId': str(task._uuid),
            'task': task.get_name().strip(),
            'action': task.action,
            'path': path,
            'tags': sorted(str(t) for t in (task.tags or [])),
            'handler': handler,
        })

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_start(task, False)

    def v2_playbook_on_handler_task_start(self, task):
        self._task_start(task, True)

    # host results

    def _result_event(self, kind, result, status):
        task = result._task
        res = result._result
        no_log = bool(res.get('_ansible_no_log')) or bool(getattr(task, 'no_log', False))
        started = self._task_started.get(task._uuid)
        event = {
            'type': kind,
            'taskId': str(task._uuid),
            'task': task.get_name().strip(),
            'host': result._host.get_name(),
            'status': status,
            'changed': bool(res.get('changed', False)),
            'durationMs': round((time.time() - started) * 1000, 1) if started else None,
            'delegateTo': ((res.get('_ansible_delegated_vars') or {}).get('ansible_host') or str(task.delegate_to)) if task.delegate_to else None,
            'noLog': no_log,
        }
        if kind == 'item_result':
            event['item'] = None if no_log else _plain(res.get('_ansible_item_label', res.get('item')))
        if no_log:
            event['result'] = None
            event['diff'] = None
        else:
            event['result'] = _plain({k: v for k, v in res.items() if k != 'diff' and k != 'results'})
            diff = res.get('diff')
            event['diff'] = _plain(diff) if diff else None
            if 'results' in res:
                event['items'] = len(res['results'])
        self._emit(event)

    def v2_runner_on_ok(self, result):
        self._result_event('host_result', result, 'changed' if result._result.get('changed') else 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        status = 'ignored' if ignore_errors else ('rescued' if _rescued(result._task) else 'failed')
        self._result_event('host_result', result, status)

    def v2_runner_on_skipped(self, result):
        self._result_event('host_result', result, 'skipped')

    def v2_runner_on_unreachable(self, result):
        self._result_event('host_result', result, 'unreachable')

    def v2_runner_item_on_ok(self, result):
        self._result_event('item_result', result, 'changed' if result._result.get('changed') else 'ok')

    def v2_runner_item_on_failed(self, result):
        self._result_event('item_result', result, 'failed')

    def v2_runner_item_on_skipped(self, result):
        self._result_event('item_result', result, 'skipped')

    def v2_playbook_on_stats(self, stats):
        hosts = {}
        for host in sorted(stats.processed.keys()):
            s = stats.summarize(host)
            hosts[host] = {k: s.get(k, 0) for k in ('ok', 'changed', 'unreachable', 'failures', 'skipped', 'rescued', 'ignored')}
            hosts[host]['failed'] = hosts[host].pop('failures')
        # Always written, past the bound too: it closes the release's events and says how many were not kept.
        self._emit({'type': 'stats', 'hosts': hosts, 'notKept': self._not_kept}, always=True)
        if self._file is not None:
            self._file.close()
            self._file = None
