"""`python -m bench.audit_throughput` in miniature: it runs alone, drains every event
through concurrent consumers, checks the chains (the run raises otherwise), counts the
requests per event and writes its table between its own markers, leaving the rest of
the document as it was."""

from __future__ import annotations

from pathlib import Path

from bench import audit_throughput


def test_a_tiny_run_writes_its_rows_between_its_markers(tmp_path: Path):
    document = tmp_path / "performance.md"
    document.write_text("# Performance\n\nhand-written\n")
    argv = ["--events", "24", "--workspaces", "1", "6", "--consumers", "2", "--latency-ms", "0"]
    assert audit_throughput.main([*argv, "--write", str(document)]) == 0
    text = document.read_text()
    assert text.startswith("# Performance\n\nhand-written\n")
    block = text.split(audit_throughput.BEGIN, 1)[1].split(audit_throughput.END, 1)[0]
    rows = [
        line for line in block.splitlines() if line.startswith("| 1 ") or line.startswith("| 6 ")
    ]
    assert len(rows) == 2
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[1:3] == ["2", "24"]
        assert float(cells[5]) >= 1.0  # one read per event at least
        assert float(cells[6]) >= 1.0  # one append per event at least
