#!/usr/bin/python3 -I
"""One long-lived spawner per Slipway worker, and the supervisor of each run (see README, "Process groups and fencing").

    slipway-spawner.py <worker-pid> <nice>

The worker starts it once (a new session: detached) with an empty environment, and asks it for runs, one JSON
object per line on its stdin; it answers one JSON object per line on its stdout:

    {"run": 7, "argv": [...], "env": {...}, "cwd": "...", "output": "<socket>", "lease": "<file>",
     "runDir": "<dir>", "graceMs": 5000}               -> {"run": 7, "pid": 1234}   (or {"run": 7, "error": "..."})
    (the run's supervisor exits)                       -> {"run": 7, "exitCode": 2, "signal": null}

Why a spawner: forking the large Node worker for every release cost it ~7-30 ms of CPU, and a Python start-up per
run as much again; forking this small process costs well under a millisecond.

The spawner
- dies with the worker: PR_SET_PDEATHSIG delivers SIGTERM to it (the default action: it exits) however the worker
  dies, and it never starts anything if the worker died before that was armed;
- runs at niceness <nice> (ANSIBLE_NICE), and so does its session's scheduler autogroup (see
  lower_session_weight), once for all runs: every run inherits both;
- exits when its stdin closes (the worker is done with it) once no run is left.

Each run is a fork of the spawner, the run's supervisor, leader of its own process group. It
- dies with the spawner (its own PR_SET_PDEATHSIG, so in the end with the worker): SIGTERM here means "kill the
  whole run now" (SIGKILL to every process of the run, then exit);
- is a child subreaper (PR_SET_CHILD_SUBREAPER): every process ansible forks, even one that leaves the group
  with setsid, stays its descendant, so "no child left" means "nothing of the run is left";
- connects to the worker's output socket (in the run's 0700 directory): the stdout and stderr of the run;
- starts ansible-playbook in its group with exactly the environment it was given; SIGINT sent to the group by
  the worker reaches ansible directly (as Ctrl-C would) and is ignored here;
- ends the run when ansible-playbook's main process exits: whatever is left (a forked child holding the output
  socket) is killed, and it exits with ansible's status (or dies of the signal that killed ansible);
- fences: the worker rewrites <lease> (a CLOCK_MONOTONIC deadline in ns) after every heartbeat it renews in
  Redis; once the deadline passes it stops the run itself (SIGINT to the group, SIGKILL after graceMs), even if
  the worker is stalled, so no other worker ever takes over a lock beside it, and leaves <runDir>/fenced so the
  worker records why.
Only the standard library: python3 is there wherever ansible is.
"""
import ctypes
import errno
import json
import os
import select
import signal
import socket
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_NAME = 15
PR_SET_CHILD_SUBREAPER = 36
LEASE_POLL_S = 0.25
FENCED_MARKER = "fenced"  # in the run dir; read by the worker (RunDirectory.wasFenced)
EXEC_FAILED = 127  # the shell's convention; the worker's release-outcome.ts reads it

libc = ctypes.CDLL(None, use_errno=True)


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


def find_program(name, path):
    """The executable `name` as execvpe would find it on the run's own PATH (a name with a slash is taken as is)."""
    if "/" in name:
        return name
    for directory in path.split(":"):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def has_live_children():
    """Reaps the children that have ended; whether any is still alive."""
    try:
        while True:
            done, _ = os.waitpid(-1, os.WNOHANG)
            if done == 0:
                return True
    except ChildProcessError:
        return False


def lower_session_weight(nice):
    """Give this session (its scheduler autogroup) the niceness too, where the kernel has autogroups.

    As the leader of a new session the spawner and its runs are an autogroup of their own, and the kernel shares
    the CPU fairly between autogroups whatever the niceness inside them: the runs in flight would take a share as
    large as the worker's, the API's or MariaDB's, whatever ANSIBLE_NICE says. The autogroup's own nice value is
    what weighs between groups.
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


def supervise(command, env, lease_file, run_dir, grace_s):
    """The run's supervisor, in a fork of the spawner: returns the exit status to end with (see the docstring)."""
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    # SIGCHLD and SIGTERM are taken synchronously (sigtimedwait below), never by a handler.
    waited = {signal.SIGCHLD, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, waited)
    # A handler, not SIG_IGN: ignored signals stay ignored across exec, and ansible must get SIGINT.
    signal.signal(signal.SIGINT, lambda _signum, _frame: None)
    # posix_spawn (vfork and exec), not fork: a fork of this Python process copies its page tables and then
    # every page either side touches (measured: several ms of CPU per run on a 2-core VM).
    program = find_program(command[0], env.get("PATH", ""))
    try:
        if program is None:
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT))
        pid = os.posix_spawn(program, command, env, setsigmask=())
    except OSError as error:
        say("could not start %s: %s" % (command[0], error.strerror))
        return EXEC_FAILED

    status = None
    fenced_at = None
    while status is None:
        received = signal.sigtimedwait(waited, LEASE_POLL_S)
        if received is not None and received.si_signo == signal.SIGTERM:
            kill_everything()  # the spawner died (death signal) or the worker wants the run gone at once
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
    if has_live_children():  # as a subreaper, no child left means no descendant at all: nothing to scan for
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


def run_number(line):
    """The request's run number, so even a refusal reaches the one waiting for it (None if it has none)."""
    try:
        request = json.loads(line)
    except ValueError:
        return None
    run = request.get("run") if isinstance(request, dict) else None
    return run if isinstance(run, int) else None


def parse_request(line):
    """A run request, checked before anything is forked for it (ValueError says what is wrong)."""
    request = json.loads(line)
    if not isinstance(request, dict) or not isinstance(request.get("run"), int):
        raise ValueError("no run number")
    argv, env = request.get("argv"), request.get("env")
    if not isinstance(argv, list) or not argv or not all(isinstance(arg, str) for arg in argv):
        raise ValueError("argv must be a non-empty list of strings")
    if not isinstance(env, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        raise ValueError("env must map strings to strings")
    for name in ("cwd", "output", "lease", "runDir"):
        if not isinstance(request.get(name), str):
            raise ValueError("%s must be a string" % name)
    if not isinstance(request.get("graceMs"), int):
        raise ValueError("graceMs must be a whole number")
    return request


def become_run(request, spawner_pid, keep_out):
    """In the fresh fork: detach from the spawner's plumbing, connect the output, supervise; never returns."""
    code = EXEC_FAILED
    try:
        os.setpgid(0, 0)
        libc.prctl(PR_SET_NAME, b"slipway-run", 0, 0, 0)  # what ps and top call it (its argv is the spawner's)
        for fd in keep_out:
            os.close(fd)
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != spawner_pid:
            os._exit(125)  # the spawner died before the death signal was armed: start nothing
        output = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        output.connect(request["output"])
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output.fileno(), 1)
        os.dup2(output.fileno(), 2)
        os.close(null)
        output.close()
        os.chdir(request["cwd"])
        code = supervise(request["argv"], request["env"], request["lease"], request["runDir"], request["graceMs"] / 1000)
    except BaseException as error:  # whatever went wrong, this fork must never return into the spawner's loop
        try:  # fd 2: the run's output once connected, the worker's stderr before
            os.write(2, ("[slipway] the run's supervisor failed: %s\n" % error).encode())
        except BaseException:
            pass
    finally:
        os._exit(code & 0xFF)


def answer(message):
    # Unbuffered, whole lines: a fork never inherits half-written replies to flush twice.
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(1, data):]


def main():
    args = sys.argv[1:]
    if len(args) != 2:
        sys.stderr.write("usage: slipway-spawner.py <worker-pid> <nice>\n")
        return 2
    worker_pid, nice = int(args[0]), int(args[1])
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != worker_pid:
        return 125  # the worker died before the death signal was armed: start nothing
    if nice:
        os.nice(nice)
        lower_session_weight(nice)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # the worker gone: nothing left to answer to

    # SIGCHLD wakes the loop through a pipe (set_wakeup_fd); the handler itself does nothing.
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda _signum, _frame: None)

    spawner_pid = os.getpid()
    runs = {}  # supervisor pid -> run number
    pending = b""
    reading = True
    answer({"ready": os.getpid()})
    while reading or runs:
        watched = [wake_read] + ([0] if reading else [])
        try:
            ready, _, _ = select.select(watched, [], [])
        except InterruptedError:
            ready = []
        if wake_read in ready:
            try:
                while os.read(wake_read, 512):
                    pass
            except BlockingIOError:
                pass
        if 0 in ready:
            chunk = os.read(0, 65536)
            if not chunk:
                reading = False
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                if not line.strip():
                    continue
                try:
                    request = parse_request(line)
                except ValueError as error:
                    answer({"run": run_number(line), "error": "bad request: %s" % error})
                    continue
                run = request["run"]
                try:
                    pid = os.fork()
                except OSError as error:
                    answer({"run": run, "error": "fork: %s" % error.strerror})
                    continue
                if pid == 0:
                    become_run(request, spawner_pid, [wake_read, wake_write])
                runs[pid] = run
                answer({"run": run, "pid": pid})
        try:
            while runs:
                done, raw = os.waitpid(-1, os.WNOHANG)
                if done == 0:
                    break
                run = runs.pop(done, None)
                if run is None:
                    continue
                if os.WIFSIGNALED(raw):
                    answer({"run": run, "exitCode": None, "signal": signal.Signals(os.WTERMSIG(raw)).name})
                else:
                    answer({"run": run, "exitCode": os.WEXITSTATUS(raw), "signal": None})
        except ChildProcessError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
