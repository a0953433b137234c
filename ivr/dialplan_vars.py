"""Channel variable names shared by the Python flows and the dialplan in ``dialplan/``.

The dialplan reads these after ``AGI()`` returns; a test checks the rendered dialplan uses them.
"""

# The queue the caller must wait in; the dialplan falls back to `emergency` when it is unset.
HOTLINE_QUEUE = "HOTLINE_QUEUE"
# The emergency service the caller chose (police, fire, ambulance) or "unknown".
HOTLINE_SERVICE = "HOTLINE_SERVICE"
