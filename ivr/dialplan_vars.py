"""Channel variable names shared by the Python flows and the dialplan in ``dialplan/``.

The dialplan reads these after ``AGI()`` returns; a test checks the rendered dialplan uses them.
"""

# Every key a caller can press (DTMF), in the order of a phone's keypad reading.
DTMF_KEYS = "0123456789*#"

# The queue the caller must wait in; the dialplan falls back when it is unset.
HOTLINE_QUEUE = "HOTLINE_QUEUE"
# Asterisk's own queue priority variable: higher is answered first.
QUEUE_PRIO = "QUEUE_PRIO"
# What the dialplan does after the menu: queue, emergency (the 112 queue path that can
# never end without a queue), hangup, or transfer.
HOTLINE_NEXT = "HOTLINE_NEXT"
# The number of this hotline a `transfer` action sends the call to.
HOTLINE_TRANSFER = "HOTLINE_TRANSFER"
# The emergency service the caller chose (police, fire, ambulance) or "unknown".
HOTLINE_SERVICE = "HOTLINE_SERVICE"
# The caller's language (id, en) and the ticket opened during the call, for operators.
HOTLINE_LANGUAGE = "HOTLINE_LANGUAGE"
HOTLINE_TICKET = "HOTLINE_TICKET"

NEXT_QUEUE = "queue"
NEXT_EMERGENCY = "emergency"
NEXT_HANGUP = "hangup"
NEXT_TRANSFER = "transfer"
# 112, queue first (ivr/emergency): the epoch second the call reached our Asterisk, the
# location the call carried (a Geolocation header), and, on a callback, the incident it
# returns (the first call's unique id).
HOTLINE_ARRIVED = "HOTLINE_ARRIVED"
HOTLINE_LOCATION = "HOTLINE_LOCATION"
HOTLINE_CALLBACK = "HOTLINE_CALLBACK"
# On a callback: the citizen's number, shown to the operators instead of ours.
HOTLINE_CALLER = "HOTLINE_CALLER"
# 12345 virtual hold (ivr/outbound/virtual_hold.py): set once the caller was offered it, so
# they are offered once (the dialplan's own; Python never reads it).
HOTLINE_VHOLD_OFFERED = "HOTLINE_VHOLD_OFFERED"
