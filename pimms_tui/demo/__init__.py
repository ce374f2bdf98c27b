"""Deterministic demo data for ``pimms demo seed`` and ``pimms --demo``, beside the application."""

# It may use the domain, db/, the text and i18n helpers; the domain and db/ never import it,
# and it never imports textual.

from __future__ import annotations

from .clock import DemoClock, latest_recorded

# The name pools and phone prefixes, for the search benchmark's visitors-only bulk seeding.
from .names import _FRENCH_LAST as _FRENCH_LAST
from .names import _ORIGIN_CUM as _ORIGIN_CUM
from .names import _ORIGINS as _ORIGINS
from .names import _mobile_prefixes as _mobile_prefixes
from .offices import DEMO_PINS, demo_pins
from .seeding import DemoReport, demo_is_current, demo_morning, ensure_demo_data, seed_demo

__all__ = [
    "DEMO_PINS",
    "DemoClock",
    "DemoReport",
    "demo_is_current",
    "demo_morning",
    "demo_pins",
    "ensure_demo_data",
    "latest_recorded",
    "seed_demo",
]
