"""`python -m local_runtime`: serve the suite on 127.0.0.1:$PORT (default 3000)."""

from __future__ import annotations

import logging
import os

from local_runtime.addresses import banner
from local_runtime.aws import use_fake_credentials


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    use_fake_credentials()
    from local_runtime.server import LocalRuntime  # noqa: PLC0415 - after the fake credentials

    port = int(os.environ.get("PORT", "3000"))
    runtime = LocalRuntime(port=port)
    logging.getLogger("teamspace.local").info(banner(runtime.url))
    runtime.serve()


if __name__ == "__main__":
    main()
