"""Measure the note guard on the labelled corpus of desk notes: recall, false refusals, time.

The corpus (tests/data/notes_corpus.py) holds notes with a NIR, an IBAN, a RIB, a card
number, a card's code or a password, and as many benign ones. The guard of this checkout is
measured beside a baseline, the guard of another revision (``main`` by default, read with
``git show``; the single-module guard of before the rework), on the same notes, with the
date and the machine's load average.

Run from the repository root:

    python bench/note_guard.py      # the corpus, 10 other draws of it, 10,000 random references
    python bench/note_guard.py --seeds 50 --baseline main
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pimms_tui.domain.sensitive import find_sensitive  # noqa: E402
from tests.data.notes_corpus import SEED, Note, corpus  # noqa: E402

Guard = Callable[[str], list[Any]]


def baseline_guard(revision: str) -> Guard | None:
    """find_sensitive of the guard at revision (a single module then), None if absent."""
    shown = subprocess.run(
        ["git", "show", f"{revision}:pimms_tui/domain/sensitive.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if shown.returncode != 0:
        return None
    folder = Path(tempfile.mkdtemp(prefix="note-guard-"))
    path = folder / "baseline_sensitive.py"
    path.write_text(shown.stdout, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("baseline_sensitive", path)
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    guard: Guard = module.find_sensitive
    return guard


def measure(guard: Guard, notes: list[Note]) -> dict[str, Any]:
    """Recall, false refusals, misses by kind and time per note of one guard."""
    missed: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    refused = benign = 0
    started = time.perf_counter()
    for note in notes:
        found = bool(guard(note.text))
        if note.sensitive:
            totals[note.kind] += 1
            missed[note.kind] += not found
        else:
            benign += 1
            refused += found
    elapsed = time.perf_counter() - started
    sensitive = sum(totals.values())
    return {
        "recall": 1 - sum(missed.values()) / sensitive,
        "false_refusals": refused / benign,
        "refused": refused,
        "benign": benign,
        "missed": sum(missed.values()),
        "sensitive": sensitive,
        "by_kind": {kind: (totals[kind] - missed[kind], totals[kind]) for kind in totals},
        "us_per_note": elapsed / len(notes) * 1e6,
    }


def report(name: str, figures: dict[str, Any]) -> None:
    """One line of figures, then recall by kind."""
    print(
        f"  {name:<10} recall {figures['recall']:7.2%} ({figures['missed']} missed of "
        f"{figures['sensitive']})   false refusals {figures['false_refusals']:6.2%} "
        f"({figures['refused']} of {figures['benign']})   {figures['us_per_note']:6.0f} µs/note"
    )
    kinds = "  ".join(
        f"{kind} {caught}/{total}" for kind, (caught, total) in sorted(figures["by_kind"].items())
    )
    print(f"  {'':<10} caught by kind: {kinds}")


def random_references(count: int) -> list[Note]:
    """Uniformly random 13 to 16-digit references (any first digit) in a benign phrase."""
    rng = random.Random(SEED)
    phrases = ["PDL {}", "contrat {} a resilier", "numero {}", "{} (reference du courrier)"]
    notes = []
    for _ in range(count):
        number = "".join(rng.choice("0123456789") for _ in range(rng.randint(13, 16)))
        notes.append(Note(rng.choice(phrases).format(number), "benign"))
    return notes


def main() -> None:
    """Measure both guards on the corpus and on other draws of it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="other draws of the corpus")
    parser.add_argument("--baseline", default="main", help="git revision of the baseline")
    parser.add_argument("--references", type=int, default=10000, help="random references")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load[0]:.2f} {load[1]:.2f}")
    guards: list[tuple[str, Guard]] = [("this", find_sensitive)]
    baseline = baseline_guard(args.baseline)
    if baseline is not None:
        guards.append((args.baseline, baseline))
    else:
        print(f"  (no single-module guard at {args.baseline}: no baseline)")
    draws = [("corpus", corpus(SEED))]
    if args.seeds:
        others = [note for seed in range(1, args.seeds + 1) for note in corpus(seed)]
        draws.append((f"{args.seeds} other draws", others))
    for title, notes in draws:
        print(f"{title}: {len(notes)} notes, {sum(n.sensitive for n in notes)} sensitive")
        for name, guard in guards:
            report(name, measure(guard, notes))
    references = random_references(args.references)
    print(f"{len(references)} random 13-16-digit references, any first digit, in benign phrases:")
    for name, guard in guards:
        refused = sum(bool(guard(note.text)) for note in references)
        print(f"  {name:<10} refused {refused / len(references):6.2%} ({refused})")


if __name__ == "__main__":
    main()
