#!/usr/bin/env python3
"""A bare pyst2 classic AGI script that sends what our 112 flow sends (the baseline).

The same three commands as ``ivr/flows`` for a caller who presses 2 (HOTLINE_NEXT, GET DATA,
then the queue's variables in one ``EXEC MSet``): no flow engine, no ticket desk; only pyst2's
``AGI`` (headers, then one command and its reply at a time).
"""

import io
import sys

from asterisk.agi import AGI

sys.stderr = io.StringIO()  # pyst2 echoes every line to stderr
agi = AGI()
agi.set_variable("HOTLINE_NEXT", "emergency")
key = agi.get_data(f"{agi.env.get('agi_bench_sounds', '/tmp')}/id/emergency-menu", 5000, 1)
queue = {"1": "police", "2": "fire", "3": "ambulance"}.get(key, "emergency")
service = queue if queue != "emergency" else "unknown"
agi.appexec("MSet", f"HOTLINE_SERVICE={service},HOTLINE_LANGUAGE=id,QUEUE_PRIO=10,"
            f"HOTLINE_QUEUE={queue},HOTLINE_NEXT=emergency")
