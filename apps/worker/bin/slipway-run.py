#!/usr/bin/python3
"""Per-run supervisor between a Slipway worker and ansible-playbook (see README, "Restarting safely").

    slipway-run.py <worker-pid> <lease-file> <run-dir> <grace-ms> <nice> -- <ansible-playbook> <args...>

The worker starts it as the leader of a new session and process group (detached). It
- dies with the worker: PR_SET_PDEATHSIG delivers SIGTERM to it when the worker dies by any means, and
  SIGTERM here means "kill the whole run now" (SIGKILL to every process of the run, then exit);
- is a child subreaper (PR_SET_CHILD_SUBREAPER): every process ansible forks, even one that leaves the
  group with setsid, stays its descendant, so "no child left" means "nothing of the run is left";
- runs at niceness <nice> (ANSIBLE_NICE) and starts ansible-playbook, which inherits it, in its group;
  SIGINT sent to the group by the worker reaches ansible directly (as Ctrl-C would) and is ignored here;
- ends the run when ansible-playbook's main process exits: whatever is left (a forked child holding the
  output pipe) is killed, and it exits with ansible's status (or dies of the signal that killed ansible);
- fences: the worker rewrites <lease-file> (a CLOCK_MONOTONIC deadline in ns) after every heartbeat it
  renews in Redis; once the deadline passes it stops the run itself (SIGINT to the group, SIGKILL after
  <grace-ms>), even if the worker is stalled, so no other worker ever takes over a lock beside it, and
  leaves <run-dir>/fenced so the worker records why.
Only the standard library: python3 is there wherever ansible is.
"""
import ctypes
import errno
import os
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
LEASE_POLL_S = 0.25
FENCED_MARKER = "fenced"  # in the run dir; read by the worker (RunDirectory.wasFenced)


def say(message):
    # Into the release log, beside ansible's own lines.
    try:
        os.write(1, ("[slipway] %s\n" % message).encode())
    except OSError:
        pass


def descendants(root):
    """Every live process below root, from /proc (a subreaper's descendants all lead back to it)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_everything():
    """SIGKILL every process of the run but this one, until none is left (reaping as they go)."""
    me = os.getpid()
    while True:
        for pid in descendants(me):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            return  # no child at all: as a subreaper, no descendant either
        time.sleep(0.01)


def lower_session_weight(nice):
    """Give this run's session (its scheduler autogroup) the niceness too, where the kernel has autogroups.

    As the leader of a new session the run is an autogroup of its own, and the kernel shares the CPU fairly
    between autogroups whatever the niceness inside them: twenty runs in flight would take twenty shares
    against the one of the worker, the API and MariaDB each, and starve them (a restarted worker then took
    a minute to start). The autogroup's own nice value is what weighs between groups.
    """
    for _attempt in range(20):
        try:
            with open("/proc/self/autogroup", "w") as autogroup:
                autogroup.write("%d\n" % nice)
            return
        except OSError as error:
            if error.errno != errno.EAGAIN:
                return  # no autogroups here (or not allowed): the process niceness still applies
            time.sleep(0.05)  # unprivileged changes are rate-limited (one per 100 ms, machine-wide)


def lease_expired(lease_file):
    try:
        with open(lease_file) as lease:
            deadline = int(lease.read().strip())
    except (OSError, ValueError):
        return True  # no readable lease is no lease
    return time.monotonic_ns() > deadline


def main():
    args = sys.argv[1:]
    if len(args) < 7 or args[5] != "--":
        sys.stderr.write("usage: slipway-run.py <worker-pid> <lease-file> <run-dir> <grace-ms> <nice> -- <command...>\n")
        return 2
    worker_pid, lease_file, run_dir = int(args[0]), args[1], args[2]
    grace_s, nice, command = int(args[3]) / 1000, int(args[4]), args[6:]

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    # SIGCHLD and SIGTERM are taken synchronously (sigtimedwait below), never by a handler.
    waited = {signal.SIGCHLD, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, waited)
    # A handler, not SIG_IGN: ignored signals stay ignored across exec, and ansible must get SIGINT.
    signal.signal(signal.SIGINT, lambda _signum, _frame: None)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != worker_pid:
        return 125  # the worker died before the death signal was armed: start nothing

    if nice:
        # Itself too, before forking: everything of the run sits below the worker for CPU (ANSIBLE_NICE).
        os.nice(nice)
        lower_session_weight(nice)
    try:
        pid = os.fork()
    except OSError as error:
        say("could not start %s: %s" % (command[0], error.strerror))
        return 127
    if pid == 0:
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, set())
            os.execvp(command[0], command)
        except OSError as error:
            os.write(2, ("could not start %s: %s\n" % (command[0], error.strerror)).encode())
        os._exit(127)

    status = None
    fenced_at = None
    while status is None:
        received = signal.sigtimedwait(waited, LEASE_POLL_S)
        if received is not None and received.si_signo == signal.SIGTERM:
            kill_everything()  # the worker died (death signal) or wants the run gone at once
            return 128 + signal.SIGKILL
        try:
            while True:  # reap ansible and any orphan reparented to us
                done, raw = os.waitpid(-1, os.WNOHANG)
                if done == 0:
                    break
                if done == pid:
                    status = raw
        except ChildProcessError:
            pass
        if status is not None:
            break
        if fenced_at is None and lease_expired(lease_file):
            fenced_at = time.monotonic()
            say("the worker's heartbeat lease expired: stopping the run (SIGINT, SIGKILL after %g s)" % grace_s)
            try:  # tells the worker why the run ended, should it not have noticed the lapse itself
                with open(os.path.join(run_dir, FENCED_MARKER), "w") as marker:
                    marker.write("%d\n" % time.monotonic_ns())
            except OSError:
                pass
            try:
                os.killpg(os.getpid(), signal.SIGINT)
            except OSError:
                pass
        if fenced_at is not None and time.monotonic() - fenced_at >= grace_s:
            kill_everything()
            return 128 + signal.SIGKILL
    leftover = descendants(os.getpid())
    if leftover:
        say("ansible-playbook exited; killing the %d process(es) it left behind" % len(leftover))
    kill_everything()
    if os.WIFSIGNALED(status):
        # Die of the same signal, so the worker sees "killed by SIGKILL" rather than a made-up code.
        sig = os.WTERMSIG(status)
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {sig})
        os.kill(os.getpid(), sig)
        return 128 + sig
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main())
