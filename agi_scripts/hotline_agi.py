#!/usr/bin/env python3
"""Classic AGI launcher: ``AGI(/path/to/agi_scripts/hotline_agi.py,ROUTE)``.

Runs the same flow as ``agi://host:port/ROUTE`` on the FastAGI server, for sites that do not
want a FastAGI server. Settings come from the IVR_* environment Asterisk passes on.

A process per call: it imports only the flows (``ivr.call_routes``), not the services; a 112
incident goes to the spool, which the services' flush writes to the database
(``ivr.tickets.spooling_desk``). The flow runs without an event loop, so the process does
not import asyncio (``ivr.agi.classic``). Imports are inside ``main`` so ``--help``-style
misuse costs nothing.
"""

from __future__ import annotations

import logging
import sys


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: hotline_agi.py ROUTE (e.g. emergency)", file=sys.stderr)
        return 2
    from ivr.agi.classic import read_headers_with_pyst2, run_classic
    from ivr.call_routes import agi_routes
    from ivr.config import load_settings
    from ivr.tickets.spooling_desk import spooling_desk

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="hotline_agi %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    desk = spooling_desk(settings)
    headers = read_headers_with_pyst2()
    try:
        return run_classic(agi_routes(settings, desk), sys.argv[1], headers)
    finally:
        desk.close()


if __name__ == "__main__":
    sys.exit(main())
