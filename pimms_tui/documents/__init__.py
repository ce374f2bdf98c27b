"""Documents: what is printed or exported, rendered from plain data (no database here).

``slips`` says what a referral slip and an appointment card hold, ``pdf`` prints such a
content on an A4 page, ``access_export`` renders a right-of-access export (text, PDF, JSON),
``stats_*`` render the activity figures (summary, CSV, XLSX, text charts), ``files`` and
``stats_files`` write a document privately (0600). Every text about a visitor goes through
:mod:`pimms_tui.text`, the one untrusted-text policy.
"""
