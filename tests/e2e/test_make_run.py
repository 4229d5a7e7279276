"""`make run` serves the API: the module it runs, started as a separate process on a free
port, and what a person sees when the port is wrong or taken and when they stop it."""

from __future__ import annotations

import signal
import socket
import struct

import pytest
import requests

from tests.support.http import Users, create_workspace
from tests.support.process import RuntimeProcess

pytestmark = pytest.mark.e2e


def assert_one_line_without_traceback(output: str, *expected: str) -> None:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert "Traceback" not in output
    for text in expected:
        assert text in lines[0], lines[0]


def test_the_local_runtime_serves_the_readme_walkthrough_and_stops_on_ctrl_c(tmp_path):
    runtime = RuntimeProcess(tmp_path / "run.log")
    try:
        runtime.wait_until_up()
        ana = Users(runtime.base).user("ana", email="ana@example.com")
        workspace_id = create_workspace(ana)
        members = ana.get(f"/v1/workspaces/{workspace_id}/members").json()
        assert [m["email"] for m in members["items"]] == ["ana@example.com"]
    finally:
        runtime.assert_stops_cleanly(signal.SIGINT)


def test_sigterm_stops_it_cleanly(tmp_path):
    runtime = RuntimeProcess(tmp_path / "run.log")
    try:
        runtime.wait_until_up()
    finally:
        runtime.assert_stops_cleanly(signal.SIGTERM)


@pytest.mark.parametrize("value", ["abc", "70000", "-1", "3000.5", "²"])
def test_a_port_that_is_no_port_is_one_line_naming_what_to_do(tmp_path, value):
    runtime = RuntimeProcess(tmp_path / "run.log", env={"PORT": value})
    try:
        code = runtime.wait()
    finally:
        runtime.kill()
    assert code == 2
    assert_one_line_without_traceback(runtime.output(), f"PORT={value!r}", "PORT=3100 make run")


def test_it_injects_the_dynamodb_faults_teamspace_faults_names(tmp_path):
    """Every DynamoDB call of the functions fails inside (set up before, the account is
    not faulted): a workspace cannot be made, the caller is told to come back, and the
    log says faults are on."""
    runtime = RuntimeProcess(tmp_path / "run.log", env={"TEAMSPACE_FAULTS": "internal=1"})
    try:
        runtime.wait_until_up()
        ana = Users(runtime.base).user("ana", email="ana@example.com")
        reply = ana.post("/v1/workspaces", json={"name": "Acme", "type": "simple"})
        # Retried under the policy (core/retry.py), then 503 with Retry-After.
        assert reply.status_code == 503, reply.text
        assert reply.json()["code"] == "STORE_BUSY"
        assert reply.headers["Retry-After"] == "1"
    finally:
        runtime.assert_stops_cleanly(signal.SIGINT)
    assert "DynamoDB faults injected: internal=1" in runtime.output()


def test_a_fault_spec_it_cannot_read_is_one_line_naming_what_to_do(tmp_path):
    runtime = RuntimeProcess(tmp_path / "run.log", env={"TEAMSPACE_FAULTS": "conflicts=0.2"})
    try:
        code = runtime.wait()
    finally:
        runtime.kill()
    assert code == 2
    assert_one_line_without_traceback(
        runtime.output(), "TEAMSPACE_FAULTS", "unknown fault 'conflicts'", "seed=7 make run"
    )


def test_a_busy_port_is_one_line_naming_what_to_do(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        runtime = RuntimeProcess(tmp_path / "run.log", port=port)
        try:
            code = runtime.wait()
        finally:
            runtime.kill()
    assert code == 1
    assert_one_line_without_traceback(
        runtime.output(), f"127.0.0.1:{port} is already in use", "PORT=3100 make run"
    )


def test_a_client_that_hangs_up_is_one_line_not_a_traceback(tmp_path):
    runtime = RuntimeProcess(tmp_path / "run.log")
    try:
        runtime.wait_until_up()
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", runtime.port)) as client:
                # A body that never comes whole: the runtime waits for the rest...
                client.sendall(
                    b"POST /_local/tokens HTTP/1.1\r\nHost: localhost\r\n"
                    b"Content-Length: 100\r\n\r\n{"
                )
                # ...and the client gives up: a zero linger resets the connection.
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        assert requests.get(f"{runtime.base}/_local/health", timeout=5).status_code == 200
    finally:
        runtime.assert_stops_cleanly(signal.SIGINT)
    assert "hung up before its reply" in runtime.output()
