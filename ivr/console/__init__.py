"""The operator's day at the console: queue login, pause reasons, wrap-up codes, transfer and
hold (the operator's own figures are ``reports.operator_figures``, one count for the console
and the supervisor).

Pure decisions live in ``codes``, ``wrapup`` and ``calls``; ``store`` is the
database edge (the code lists, the code stored with each call) and ``control`` the AMI edge.
"""
