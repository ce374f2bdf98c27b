"""``python -m pimms_tui`` runs the ``pimms`` command."""

from pimms_tui.cli import main

raise SystemExit(main())
