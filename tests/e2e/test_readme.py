"""The README's shell snippets, run as written against a local runtime.

Every ```sh block of README.md that calls curl against the local runtime
(http://127.0.0.1:3000) is run, in order, in one bash session, so the variables one block
sets ($TOKEN, $WS, $AG, ...) are there for the next. The only change made to the text is
that address, pointed at this module's runtime on its free port. The other blocks
(`make run`/`make test`, `sam build && sam deploy`) are about the machine, not the API,
and are not run.

The README calls `curl -s`, which exits 0 on a 4xx or 5xx; here `curl` is a bash function,
defined before the first block, that adds `--fail-with-body` and says which call failed
and what the API answered, so a snippet that the API refuses fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parents[2] / "README.md"
LOCAL = "http://127.0.0.1:3000"
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)
# The rule for what runs: a block that calls curl against the local runtime.
CALLS_LOCAL_API = re.compile(r"\bcurl\b.*" + re.escape(LOCAL))
STATE = "README-STATE"

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


def sh_blocks() -> list[tuple[int, str]]:
    """Every ```sh block of the README, in order, with the line it starts on."""
    text = README.read_text()
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in SH_BLOCK.finditer(text)]


def runnable(block: str) -> bool:
    return bool(CALLS_LOCAL_API.search(block))


def test_the_readme_names_jq_when_its_snippets_use_it():
    snippets = [block for _, block in sh_blocks() if runnable(block)]
    assert snippets, "no README snippet calls the local runtime"
    if any(re.search(r"\bjq\b", block) for block in snippets):
        prose = SH_BLOCK.sub("", README.read_text())
        assert re.search(r"\bjq\b", prose), "the snippets use jq; the README must say so"


def test_every_readme_snippet_runs_against_the_local_runtime(api, tmp_path):
    missing = [tool for tool in ("bash", "curl", "jq") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the README's snippets need {', '.join(missing)} (named in the README)")
    bash = shutil.which("bash")
    blocks = sh_blocks()
    run = [(line, block) for line, block in blocks if runnable(block)]
    skipped = [block for _, block in blocks if not runnable(block)]
    # Nothing that calls curl is left out by the rule (it would be a snippet nobody runs).
    assert not [block for block in skipped if re.search(r"\bcurl\b", block)], skipped
    assert len(run) >= 3, f"expected the README's API snippets, found {len(run)}"

    script = [PRELUDE]
    for line, block in run:
        script.append(f"echo '--- README.md block at line {line}' >&2")
        script.append(block.replace(LOCAL, api.base))
    script.append(f'printf "\\n{STATE} %s %s\\n" "$AG" "$CL"')
    # A clean environment: no proxy, no ~/.curlrc, no TOKEN or WS from the caller's shell.
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    done = subprocess.run(  # noqa: S603 (the script is this repository's README)
        [bash, "-c", "\n".join(script)],
        cwd=tmp_path,
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, (
        f"a README snippet failed (exit {done.returncode})\n"
        f"--- stderr\n{done.stderr}\n--- stdout (last 2000 characters)\n{done.stdout[-2000:]}"
    )

    # What the README promises at the end: bob, who joined the agency, works in its
    # client as its admin, through the agency.
    [state] = [line for line in done.stdout.splitlines() if line.startswith(STATE)]
    _, agency, client = state.split()
    ana = api.user("ana", email="ana@example.com")
    members = ana.get(f"/v1/workspaces/{client}/members")
    assert members.status_code == 200, members.text
    bob = {m["userId"]: m for m in members.json()["items"]}["bob"]
    assert (bob["role"], bob["via"], bob["status"]) == ("admin", agency, "ACTIVE")
    staff = ana.get(f"/v1/workspaces/{agency}/members").json()["items"]
    assert "bob" in [m["userId"] for m in staff]
    clients = ana.get(f"/v1/workspaces/{agency}/clients").json()
    assert [(c["workspaceId"], c["memberCount"]) for c in clients["items"]] == [(client, 2)]
    assert api.user("bob").get(f"/v1/workspaces/{client}").status_code == 200
