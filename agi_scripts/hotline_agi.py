#!/usr/bin/env python3
"""Classic AGI launcher: ``AGI(/path/to/agi_scripts/hotline_agi.py,ROUTE)``.

Runs the same flow as ``agi://host:port/ROUTE`` on the FastAGI server, for sites that do not
want a FastAGI server. Settings come from the IVR_* environment Asterisk passes on.
"""

from __future__ import annotations

import asyncio
import logging
import sys


def main() -> int:
    from ivr.agi.classic import read_headers_with_pyst2, run_classic
    from ivr.app import agi_routes
    from ivr.config import load_settings

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="hotline_agi %(levelname)s %(name)s: %(message)s")
    if len(sys.argv) != 2:
        print("usage: hotline_agi.py ROUTE (e.g. emergency)", file=sys.stderr)
        return 2
    headers = read_headers_with_pyst2()
    return asyncio.run(run_classic(agi_routes(load_settings()), sys.argv[1], headers))


if __name__ == "__main__":
    sys.exit(main())
