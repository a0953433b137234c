"""The operator queues, named once: asterisk_conf/queues.conf defines exactly these.

``tests/unit/test_queues.py`` holds queues.conf to this list; the roster, the flows' known
queues and the dialplan's fallbacks (``emergency``, ``hotline``) all name queues from here.
"""

from __future__ import annotations

# The emergency services a 112 caller can choose (key 1, 2, 3), each a queue of its own.
EMERGENCY_SERVICES = ("police", "fire", "ambulance")
# Where a 112 caller waits who chose no service (and the dialplan's fallback for 112).
EMERGENCY = "emergency"
EMERGENCY_QUEUES = (*EMERGENCY_SERVICES, EMERGENCY)
# The citizen-service hotline 12345.
HOTLINE = "hotline"
# Every queue, emergency ones first (the order the roster ranks waiting callers in).
ALL_QUEUES = (*EMERGENCY_QUEUES, HOTLINE)
