"""newscrawl.crawl.arguments: the spider's -a arguments, read strictly."""

from __future__ import annotations

import pytest

from newscrawl.crawl.arguments import Arguments, new_run_id


@pytest.mark.parametrize(("raw", "read"), [
    ({}, Arguments()),
    ({"start_url": "http://127.0.0.1:8000/news/", "full": "1", "force": "false"},
     Arguments(start_url="http://127.0.0.1:8000/news/", full=True)),
    ({"_job": "6487ec79"}, Arguments(run_id="6487ec79")),  # scrapyd's job id names the run
    ({"_job": "6487ec79", "run_id": "mine"}, Arguments(run_id="mine")),
    ({"rebuild_state": "TRUE"}, Arguments(rebuild_state=True)),
])
def test_what_is_read(raw: dict[str, str], read: Arguments) -> None:
    assert Arguments.read(raw) == read


@pytest.mark.parametrize(("raw", "said"), [
    ({"fulll": "1"}, "unknown spider argument(s) fulll; accepted: start_url, run_id, full, force, rebuild_state"),
    ({"full": "yes"}, "full='yes': expected 1 or 0"),
    ({"start_url": "vpk.name/news/"}, "start_url='vpk.name/news/' is not an http(s) URL"),
    ({"run_id": "../elsewhere"}, "run_id='../elsewhere' cannot name a folder"),
    ({"run_id": ".hidden"}, "run_id='.hidden' cannot name a folder"),
])
def test_what_is_refused_in_one_line(raw: dict[str, str], said: str) -> None:
    with pytest.raises(ValueError) as refused:
        Arguments.read(raw)
    assert str(refused.value) == said


def test_two_run_ids_made_in_the_same_second_differ() -> None:
    first, second = new_run_id(), new_run_id()
    assert first != second and first[:16] == second[:16] and first.endswith(first[-6:])
