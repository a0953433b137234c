"""The 112 lane around the queue: caller priority by arrival, incidents from AMI events,
the prank lane and callbacks of abandoned calls."""
