"""Daily, shift, queue, category and agency reports: call records kept by the AMI process
(``store.py``), pure aggregation (``calls.py``, ``tickets.py``), ticket facts read from the
ticket tables (``ticket_facts.py``) and CSV (``csv_export.py``)."""
