"""`make run` serves the API: the same module, started as a separate process on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_local_runtime_serves_the_readme_walkthrough():
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PORT": str(port), "PYTHONPATH": "shared:."}
    process = subprocess.Popen(
        [sys.executable, "-m", "local_runtime"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/_local/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass  # not listening yet, or listening but still starting up
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the runtime did not come up in 30 s"
            time.sleep(0.2)
        token = requests.post(
            f"{base}/_local/tokens",
            json={"sub": "ana", "email": "ana@example.com", "name": "Ana"},
            timeout=5,
        ).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        created = requests.post(
            f"{base}/v1/workspaces",
            json={"name": "Acme", "type": "simple"},
            headers=auth,
            timeout=5,
        )
        assert created.status_code == 201
        workspace_id = created.json()["workspaceId"]
        members = requests.get(
            f"{base}/v1/workspaces/{workspace_id}/members", headers=auth, timeout=5
        ).json()
        assert [m["email"] for m in members["items"]] == ["ana@example.com"]
    finally:
        process.terminate()
        process.wait(timeout=10)
