"""Catching a redesign: how much of each field the pages gave, against what a run must have.

A site that changes its markup does not fail: it gives pages whose fields come out null. The
coverage pipeline (``pipelines.coverage``) counts the fields; the rules here judge them: against
``HEALTH_REQUIRED`` (the share of items that must have a field) and against the median of the
last runs' coverage (kept in the state). Every failed rule, with its fields and figures, goes in
the stats, where the manifest reads them: the run is unhealthy and every entry point exits non-zero.
"""

from __future__ import annotations

import statistics
from typing import Any

from newscrawl.extract.items import RUN_FIELDS, field_names

COVERAGE_HISTORY = "coverage_history"  # the state's meta key: the last healthy runs' coverage
MIN_ITEMS = 20  # fewer items of a kind than this say too little about a field's coverage
# A short text under this many comments with no author, word for word: a placeholder, not words.
PLACEHOLDER_MIN_COMMENTS = 3
PLACEHOLDER_MAX_CHARS = 120


def likely_placeholders(authorless: dict[str, set[str]]) -> list[dict[str, Any]]:
    """Short texts shown word for word with no author under many comments: what a moderator's
    placeholder the site module does not know looks like (``pages.vpk.MODERATION_NOTICE``).

    >>> likely_placeholders({"Скрыто по жалобе": {"1", "2", "3"}, "Да": {"4", "5", "6"}, "Снято с публикации": {"7"}})
    [{'text': 'Скрыто по жалобе', 'comments': 3}]
    """
    return [{"text": text, "comments": len(ids)} for text, ids in sorted(authorless.items())
            if len(ids) >= PLACEHOLDER_MIN_COMMENTS and len(text.split()) >= 2]  # "+1" from anonymous readers is words


def covered_fields(item_class: type) -> list[str]:
    """The fields whose coverage is watched: what the pages say, not what the run adds."""
    return [f for f in field_names(item_class) if f not in RUN_FIELDS and f not in ("deleted", "removal", "removal_notice")]


def rule_problems(coverage: dict[str, dict[str, float]], items: dict[str, int],
                  required: dict[str, dict[str, float]]) -> list[str]:
    """Fields under the share of items that must have them.

    >>> rule_problems({"article": {"title": 1.0, "body": 0.0}}, {"article": 40}, {"article": {"body": 1.0}})
    ['article body on 0% of 40 articles (at least 100% required): the page no longer gives it']
    """
    problems = []
    for kind, needs in required.items():
        for name, share in needs.items():
            found = coverage.get(kind, {}).get(name)
            if found is not None and found < share:
                problems.append(f"{kind} {name} on {found:.0%} of {items[kind]} {kind}s (at least {share:.0%} "
                                "required): the page no longer gives it")
    return problems


def drop_problems(coverage: dict[str, dict[str, float]], items: dict[str, int],
                  earlier: list[dict[str, dict[str, float]]], max_drop: float) -> list[str]:
    """Fields far below their median over the last healthy runs.

    >>> drop_problems({"comment": {"author": 0.5}}, {"comment": 100}, [{"comment": {"author": 1.0}}] * 3, 0.2)
    ['comment author on 50% of 100 comments, its median over the last 3 runs is 100%']
    """
    problems = []
    for kind, fields in coverage.items():
        if items.get(kind, 0) < MIN_ITEMS:
            continue
        for name, found in fields.items():
            past = [run[kind][name] for run in earlier if name in run.get(kind, {})]
            if past and found < statistics.median(past) - max_drop:
                problems.append(f"{kind} {name} on {found:.0%} of {items[kind]} {kind}s, its median over the last "
                                f"{len(past)} runs is {statistics.median(past):.0%}")
    return problems
