"""The generated blocks of docs/*.md: each benchmark writes its figures between its own
pair of markers and leaves the prose around them alone."""

from __future__ import annotations

import sys
from pathlib import Path


def write(path: Path, generated: str, *, begin: str, end: str) -> None:
    """Put `generated` between the markers `begin` and `end` of `path`, adding them at the
    end of the file (or making the file) when it has none yet."""
    text = path.read_text() if path.exists() else ""
    block = f"{begin}\n\n{generated.strip()}\n\n{end}"
    if begin in text and end in text:
        text = text.split(begin, 1)[0] + block + text.split(end, 1)[1]
    else:
        text = (text.rstrip() + "\n\n" if text else "") + block + "\n"
    path.write_text(text)


def publish(path: Path | None, generated: str, *, begin: str, end: str) -> None:
    """Write `generated` into `path` (`--write`), or print it when no path was given."""
    if path is None:
        print(generated)
        return
    write(path, generated, begin=begin, end=end)
    print(f"wrote {path}", file=sys.stderr)
