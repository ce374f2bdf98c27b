"""PIMMS front desk: a terminal application for the reception of a PIMMS office."""

__version__ = "0.1.0"
