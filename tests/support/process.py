"""The local runtime as a process of its own, as a person starts it (`make run`, or the
`python -m local_runtime` it runs): on a free port, its output in a file, stopped with
a signal as Ctrl-C or a service manager would stop it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PYTHON_MODULE = [sys.executable, "-m", "local_runtime"]


def free_port() -> int:
    """A port nothing listens on now (the kernel's pick)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RuntimeProcess:
    """`command` (by default `python -m local_runtime`) run from the repository's root
    with PORT set, in a session of its own so that a signal reaches it and its children
    (make and the runtime) as a terminal's Ctrl-C reaches them; its stdout and stderr
    go to `log`."""

    def __init__(
        self,
        log: Path,
        *,
        port: int | None = None,
        env: dict[str, str] | None = None,
        command: list[str] | None = None,
        inherit: bool = True,
    ) -> None:
        """`env` adds to this process's environment, or with `inherit=False` is the
        whole of it (PORT aside)."""
        self.port = free_port() if port is None else port
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        inherited = {**os.environ, "PYTHONPATH": "shared:."} if inherit else {}
        environment = {**inherited, "PORT": str(self.port), "PYTHONFAULTHANDLER": "1"}
        with log.open("wb") as output:
            self.process = subprocess.Popen(  # noqa: S603 - this repository's own runtime
                command or PYTHON_MODULE,
                cwd=ROOT,
                env={**environment, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_up(self, timeout: float = 60) -> None:
        """Until GET /_local/health answers 200; fails with the output if the process
        ends first or the time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(f"{self.base}/_local/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass  # not listening yet, or listening but still starting up
            exited = self.process.poll()
            assert exited is None, f"the runtime exited ({exited}):\n{self.output()}"
            assert time.monotonic() < deadline, f"not up in {timeout} s:\n{self.output()}"
            time.sleep(0.2)

    def wait(self, timeout: float = 30) -> int:
        """The exit code once the process has ended by itself."""
        return self.process.wait(timeout=timeout)

    def stop(self, signum: int = signal.SIGINT, timeout: float = 30) -> int:
        """Send `signum` to the whole session (as a terminal's Ctrl-C reaches every
        process of the foreground job); the command's exit code."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signum)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            # Where it hangs: PYTHONFAULTHANDLER makes SIGABRT print every thread's stack.
            os.killpg(self.process.pid, signal.SIGABRT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
            message = f"not stopped {timeout} s after {signum!r}:\n{self.output()}"
            raise AssertionError(message) from None
        finally:
            self.kill()

    def assert_stops_cleanly(self, signum: int = signal.SIGINT, code: int | None = 0) -> None:
        """Stopped by `signum`: the exit `code` (None: any; make ends with the Ctrl-C it
        got itself), the runtime said it stopped, no traceback, and the port is free."""
        exited = self.stop(signum)
        output = self.output()
        assert code is None or exited == code, output
        assert "Traceback" not in output, output
        assert f"stopped ({signal.Signals(signum).name})" in output, output
        with socket.socket() as sock:
            # Bound as the runtime binds: its closed connections' TIME_WAIT does not
            # count, a listener still there does.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", self.port))
            sock.listen()

    def kill(self) -> None:
        """Whatever is left of the session, gone (a test's last resort)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
