"""The README's shell snippets, every one, run as written, in order, as a person would.

The person runs the README's `make run` in one terminal: so does this test (with a free
port in PORT), and stops it at the end with Ctrl-C (SIGINT to make and the runtime) as
the person would. Then every ```sh/```bash block runs, in order, in one bash session, so
the variables one block sets ($TOKEN, $WS, $AG, ...) are there for the next. The only
change made to the text is the address http://127.0.0.1:3000, pointed at that port.
Each command of a block runs, except those NOT_RUN names with the reason; a new
snippet runs without anyone adding it here.

The README calls `curl -s`, which exits 0 on a 4xx or 5xx; here `curl` is a bash function,
defined before the first block, that adds `--fail-with-body` and says which call failed
and what the API answered, so a snippet that the API refuses fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.support.http import Users
from tests.support.process import RuntimeProcess

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"
LOCAL = "http://127.0.0.1:3000"
SHELL_BLOCK = re.compile(r"^```(?:sh|bash|shell)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
# How the person starts the runtime: the test runs this line of the README itself.
START = "make run"
# The commands of the README that this test does not run, and why.
NOT_RUN = {
    "make test": "the suite this test is part of",
    "sam build && sam deploy": "deploys to an AWS account; there is none here",
}
STATE = "README-STATE"
TOOLS = ("bash", "curl", "jq")

# Defined before the README's blocks: strict mode, and curl that fails on an HTTP error
# (exit 22) with the call and the API's answer on stderr. The body still goes to stdout,
# byte for byte, for the README's pipes into jq.
PRELUDE = r"""
set -euo pipefail
curl() {
  local body code status=0
  body=$(mktemp)
  code=$(command curl --fail-with-body -o "$body" -w '%{http_code}' "$@") || status=$?
  cat "$body"
  if [ "$status" -ne 0 ]; then
    printf '\nFAILED (curl exit %s, HTTP %s): curl %s\n' "$status" "$code" "${*@Q}" \
      | sed -E 's/Bearer [A-Za-z0-9._-]+/Bearer .../g' >&2
    cat "$body" >&2
    printf '\n' >&2
  fi
  rm -f "$body"
  return "$status"
}
"""


def shell_blocks() -> list[tuple[int, str]]:
    """Every shell block of the README, in order, with the line it starts on."""
    text = README.read_text()
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in SHELL_BLOCK.finditer(text)]


def command_of(line: str) -> str:
    """A line of a snippet without its comment (a `#` after a space) and outer blanks."""
    return re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()


def not_run(line: str) -> str | None:
    """Why the README command on `line` is not run as a snippet, or None: it runs."""
    command = command_of(line)
    if command == START:
        return "the runtime this test started with it"
    for prefix, reason in NOT_RUN.items():
        if command.startswith(prefix):
            return reason
    return None


def as_run(block: str, base: str) -> str:
    """The block as bash runs it: the runtime's address, and the commands not run
    turned into comments that say why."""
    lines = []
    for line in block.replace(LOCAL, base).splitlines():
        reason = not_run(line)
        lines.append(f": # not run here ({reason}): {line}" if reason else line)
    return "\n".join(lines)


def test_the_readme_names_jq_when_its_snippets_use_it():
    snippets = [block for _, block in shell_blocks()]
    assert any(LOCAL in block for block in snippets), "no README snippet calls the runtime"
    if any(re.search(r"\bjq\b", block) for block in snippets):
        prose = SHELL_BLOCK.sub("", README.read_text())
        assert re.search(r"\bjq\b", prose), "the snippets use jq; the README must say so"


def test_the_readme_starts_the_runtime_with_make_run_and_skips_only_named_commands():
    commands = [command_of(line) for _, block in shell_blocks() for line in block.splitlines()]
    assert START in commands, "the README no longer says how to start the runtime"
    # Every command not run is one the README still has: the list holds no stale entry.
    for prefix in NOT_RUN:
        assert any(c.startswith(prefix) for c in commands), f"{prefix!r} is not in the README"


def test_every_readme_snippet_runs_against_the_local_runtime(tmp_path):
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    assert not missing, f"the README's snippets need {missing}: `make readme-tools` installs them"
    # The person's shells: no make of ours around them (MAKEFLAGS), no TOKEN or WS from
    # the caller's; the snippets' has no proxy and no ~/.curlrc either.
    person = {"PATH": os.environ["PATH"], "HOME": os.environ["HOME"], "LANG": "C.UTF-8"}
    env = {**person, "HOME": str(tmp_path)}
    runtime = RuntimeProcess(
        tmp_path / "make-run.log",
        command=[shutil.which("bash"), "-c", START],
        env=person,
        inherit=False,
    )
    try:
        runtime.wait_until_up(timeout=120)
        script = [PRELUDE]
        for line, block in shell_blocks():
            script.append(f"echo '--- README.md block at line {line}' >&2")
            script.append(as_run(block, runtime.base))
        script.append(f'printf "\\n{STATE} %s %s\\n" "$AG" "$CL"')
        done = subprocess.run(  # noqa: S603 (the script is this repository's README)
            [shutil.which("bash"), "-c", "\n".join(script)],
            cwd=tmp_path,
            check=False,
            capture_output=True,
            text=True,
            env=env,
            timeout=180,
        )
        assert done.returncode == 0, (
            f"a README snippet failed (exit {done.returncode})\n"
            f"--- stderr\n{done.stderr}\n--- stdout (last 2000 characters)\n{done.stdout[-2000:]}"
        )
        assert_the_agency_flow_as_promised(Users(runtime.base), done.stdout)
    finally:
        # Ctrl-C in the terminal of `make run`: make ends with it too (exit -2).
        runtime.assert_stops_cleanly(signal.SIGINT, code=None)


def assert_the_agency_flow_as_promised(users: Users, stdout: str) -> None:
    """What the README promises at the end: bob, who joined the agency, works in its
    client as its admin, through the agency."""
    [state] = [line for line in stdout.splitlines() if line.startswith(STATE)]
    _, agency, client = state.split()
    ana = users.user("ana", email="ana@example.com")
    members = ana.get(f"/v1/workspaces/{client}/members")
    assert members.status_code == 200, members.text
    bob = {m["userId"]: m for m in members.json()["items"]}["bob"]
    assert (bob["role"], bob["via"], bob["status"]) == ("admin", agency, "ACTIVE")
    staff = ana.get(f"/v1/workspaces/{agency}/members").json()["items"]
    assert "bob" in [m["userId"] for m in staff]
    clients = ana.get(f"/v1/workspaces/{agency}/clients").json()
    assert [(c["workspaceId"], c["memberCount"]) for c in clients["items"]] == [(client, 2)]
    assert users.user("bob").get(f"/v1/workspaces/{client}").status_code == 200
