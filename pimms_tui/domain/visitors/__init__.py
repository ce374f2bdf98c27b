"""Visitors as the desk finds them: search as you type, likely duplicates, new and merged files.

The rules and statements only: each takes a SQLAlchemy ``Session`` (or builds the values it
needs); the use cases that open the unit of work live in ``pimms_tui.application.visitors``.

- :mod:`.query`: what was typed, cut into words, and what each word asks of the index;
- :mod:`.statements`: the probes, counts and typo look-ups on the token index;
- :mod:`.lookup`: how a search reaches the files (narrowest word, pairs or a walk);
- :mod:`.search`: the search and the likely duplicates;
- :mod:`.new_file`: opening a named file with its consent;
- :mod:`.merge`: merging two files of one person.
"""

from .merge import merge_files
from .new_file import (
    CheckedVisitor,
    NewVisitor,
    check_consent,
    check_new_visitor,
    create_visitor,
    open_named_file,
)
from .query import QueryWord, VisitorMatch, one_typo_variants, parse_query
from .search import likely_duplicates, search_visitors, similar_names

__all__ = [
    "CheckedVisitor",
    "NewVisitor",
    "QueryWord",
    "VisitorMatch",
    "check_consent",
    "check_new_visitor",
    "create_visitor",
    "likely_duplicates",
    "merge_files",
    "one_typo_variants",
    "open_named_file",
    "parse_query",
    "search_visitors",
    "similar_names",
]
