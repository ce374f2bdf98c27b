"""Starting the desk: the demo's living office, or the configured database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pimms_tui.application import UseCases, open_desk
from pimms_tui.demo import DemoClock, demo_is_current, demo_morning, ensure_demo_data
from pimms_tui.settings import Settings


def open_demo(settings: Settings) -> UseCases:
    """The demo: a living office on a working morning, reseeded when its day has passed; a
    later launch on the same day goes on after what the earlier runs recorded."""

    clock = DemoClock(demo_morning(datetime.now(UTC)))
    services = UseCases(*open_desk(settings, clock))
    if (
        settings.is_embedded
        and services.session.office
        and not demo_is_current(services.container.database, clock.now())
    ):
        # Only the embedded demo file is ever thrown away, never a database given by --db.
        services.container.close()
        Path(settings.resolved_database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        services = UseCases(*open_desk(settings, clock))
    if ensure_demo_data(services.container.database, clock.now()):
        services.container.close()
        services = UseCases(*open_desk(settings, clock))
    clock.resume(services.container.database)
    return services


def run_desk(settings: Settings) -> int:
    """Open the database and run the desk until it is closed."""
    # Textual loads only when the desk starts: the other commands stay quick.
    from pimms_tui.app import make_app

    services = open_demo(settings) if settings.demo else UseCases(*open_desk(settings))
    try:
        make_app(services.container, services.session).run()
    finally:
        services.container.close()
    return 0
