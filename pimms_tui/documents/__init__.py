"""Documents: what is printed or exported, rendered from plain data (no database here).

``slips`` says what a referral slip and an appointment card hold, ``pdf`` prints such a
content on an A4 page, ``access_export`` renders a right-of-access export (text, PDF, JSON),
``files`` writes a document privately. Every text about a visitor goes through
:mod:`pimms_tui.text`, the one untrusted-text policy.
"""
