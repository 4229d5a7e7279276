"""`python -m local_runtime`: serve the suite on 127.0.0.1:$PORT (default 3000).

What a person gets wrong or does on purpose ends in one line on stderr, never a
traceback: a `PORT` that is not a port or a `TEAMSPACE_FAULTS` it cannot read
(local_runtime/faults.py) (exit 2), a port that is taken or not allowed (exit 1).
Ctrl-C (SIGINT) and SIGTERM stop the server, let a request in flight finish and exit 0:
a stop that was asked for is not a failure, and `make run` then ends without an error
of its own.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import sys
from types import FrameType

from local_runtime.addresses import banner
from local_runtime.aws import use_fake_credentials
from local_runtime.faults import ENVIRONMENT_VARIABLE as FAULTS_VARIABLE
from local_runtime.faults import BadFaultSpec
from local_runtime.faults import from_environment as faults_from_environment

DEFAULT_PORT = 3000
EXAMPLE = "PORT=3100 make run"
FAULTS_EXAMPLE = "TEAMSPACE_FAULTS=conflict=0.2,throttle=0.05,seed=7 make run"


class BadPort(ValueError):
    """The PORT environment variable names no port."""


class Stopped(Exception):
    """Raised in the main thread by SIGINT or SIGTERM, to leave the server's loop."""


def port_from(value: str | None) -> int:
    """The port `PORT` names: a whole number from 0 (any free port) to 65535."""
    if value is None or value.strip() == "":
        return DEFAULT_PORT
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > 65535:
        raise BadPort(
            f"error: PORT={value!r} is not a port; use a whole number from 1 to 65535,"
            f" e.g. {EXAMPLE}"
        )
    return int(text)


def cannot_listen(port: int, error: OSError) -> str:
    """What to do when 127.0.0.1:`port` cannot be listened on."""
    where = f"127.0.0.1:{port}"
    if error.errno == errno.EADDRINUSE:
        return (
            f"error: {where} is already in use (another `make run`?); stop what holds it"
            f" or pick another port, e.g. {EXAMPLE}"
        )
    if error.errno == errno.EACCES:
        return f"error: not allowed to listen on {where}; use a port from 1024 up, e.g. {EXAMPLE}"
    return f"error: cannot listen on {where} ({error.strerror or error}); try e.g. {EXAMPLE}"


def _stop(signum: int, _frame: FrameType | None) -> None:
    # A second Ctrl-C while stopping would interrupt the stop itself: ignore it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Stopped(signal.Signals(signum).name)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    log = logging.getLogger("teamspace.local")
    try:
        port = port_from(os.environ.get("PORT"))
    except BadPort as bad:
        print(bad, file=sys.stderr)
        return 2
    try:
        fault_spec = faults_from_environment()
    except BadFaultSpec as bad:
        print(f"error: TEAMSPACE_FAULTS: {bad}, e.g. {FAULTS_EXAMPLE}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        use_fake_credentials()
        from local_runtime.server import LocalRuntime  # noqa: PLC0415 - after the fake credentials

        try:
            runtime = LocalRuntime(port=port, faults=fault_spec)
        except OSError as error:
            print(cannot_listen(port, error), file=sys.stderr)
            return 1
        log.info(banner(runtime.url))
        if fault_spec.active:
            log.info("DynamoDB faults injected: %s", os.environ[FAULTS_VARIABLE])
        runtime.serve()
    except Stopped as stopped:
        log.info("stopped (%s); its data is gone", stopped)
    return 0


if __name__ == "__main__":
    sys.exit(main())
