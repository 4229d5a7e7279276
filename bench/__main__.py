"""`python -m bench`: the five tables of docs/performance.md, measured.

python -m bench                                   # full run, tables on stdout
python -m bench --write docs/performance.md       # full run, into the document (make bench)
python -m bench --smoke                           # tiny sizes, a few calls (the tests)
python -m bench --tables round_trips,cost         # some tables only
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from bench.run import FULL, SMOKE, TABLES, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes and few calls")
    parser.add_argument("--write", type=Path, help="write the tables into this markdown file")
    parser.add_argument(
        "--tables", default=",".join(TABLES), help=f"comma-separated, of: {', '.join(TABLES)}"
    )
    args = parser.parse_args(argv)
    wanted = [t.strip() for t in args.tables.split(",") if t.strip()]
    unknown = set(wanted) - set(TABLES)
    if unknown:
        parser.error(f"unknown tables: {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    # The handlers log to stdout (Powertools' JSON lines and metrics); the report must not
    # drown in them: stdout is kept for the report, the handlers' output is dropped.
    report_out = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        outcome = run(
            SMOKE if args.smoke else FULL,
            wanted,
            command="python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
            progress=lambda message: print(message, file=sys.stderr, flush=True),
        )
    finally:
        sys.stdout.flush()
        os.dup2(report_out.fileno(), 1)
        os.close(devnull)
    markdown = outcome.markdown(elapsed=time.perf_counter() - started)
    if args.write:
        from bench.report import write  # noqa: PLC0415

        write(args.write, markdown)
        print(f"wrote {args.write}", file=sys.stderr)
    else:
        report_out.write(markdown + "\n")
        report_out.flush()
    problems = outcome.problems()
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
