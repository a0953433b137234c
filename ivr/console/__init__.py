"""The operator's day at the console: queue login, pause reasons, wrap-up codes, transfer and
hold, and the operator's own figures for the day.

Pure decisions live in ``codes``, ``wrapup``, ``calls`` and ``figures``; ``store`` is the
database edge (the code lists, the code stored with each call) and ``control`` the AMI edge.
"""
