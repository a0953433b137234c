"""Daily, shift, queue, category and agency reports: call records kept by the AMI process
(``store.py``), pure aggregation (``calls.py``, ``tickets.py``; the ticket facts come from the
ticket desk, ``TicketDesk.ticket_facts``) and CSV (``csv_export.py``)."""
