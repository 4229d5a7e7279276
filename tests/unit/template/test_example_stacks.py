"""The example stacks the docs show (docs/examples/): `make template` (part of `make test`)
runs cfn-lint and `sam validate --lint` on each, as on template.yaml; and the audit
writer of docs/audit.md puts its events as Teamspace's intake takes them: a source in
AuditSources, on Teamspace's exported bus, with PutEvents on that bus alone. That its
event lands on a chain is shown on moto (tests/functions/test_audit_intake.py)."""

from __future__ import annotations

import pytest

from local_runtime.template import ROOT, Template
from tests.support.make import make_output

EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.yaml"))
WRITER = ROOT / "docs" / "examples" / "audit-writer.yaml"


def make_template_commands() -> list[str]:
    """What `make template` runs (a dry run: nothing is installed or run)."""
    return make_output("-n", "template").splitlines()


def test_there_is_an_example_of_writing_to_the_audit_log():
    assert WRITER in EXAMPLES
    assert "examples/audit-writer.yaml" in (ROOT / "docs" / "audit.md").read_text()


@pytest.mark.parametrize("stack", EXAMPLES, ids=lambda p: p.name)
def test_make_template_lints_each_example_with_cfn_lint_and_sam_validate(stack):
    relative = str(stack.relative_to(ROOT))
    commands = make_template_commands()
    assert any("bin/cfn-lint" in c and relative in c.split() for c in commands)
    assert any("bin/sam validate --lint" in c and f"-t {relative}" in c for c in commands), commands


def test_the_writer_puts_a_listed_source_on_teamspaces_bus_alone():
    ours = Template(stage="prod")
    writer = Template(WRITER, stage="prod")
    sources = ours.resolve({"Ref": "AuditSources"})
    assert "platform.agents" in sources
    assert (
        '"Source": "platform.agents"'
        in writer.resources["AgentAuditFunction"]["Properties"]["InlineCode"]
    )
    bus_export = ours.resolve(ours.raw["Outputs"]["EventBusName"]["Export"]["Name"])
    function = writer.resources["AgentAuditFunction"]["Properties"]
    imported = {"Fn::ImportValue": {"Fn::Sub": "teamspace-${Stage}-event-bus"}}
    assert writer.resolve(imported["Fn::ImportValue"]) == bus_export
    assert function["Environment"]["Variables"]["TEAMSPACE_BUS"] == imported
    [policy] = function["Policies"]
    assert policy == {"EventBridgePutEventsPolicy": {"EventBusName": imported}}
