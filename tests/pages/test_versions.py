"""The site's versions by date (``newscrawl.pages.versions``) and their rules as data (``rules``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest

from newscrawl.pages.rules import Rule, cut
from newscrawl.pages.versions import Version, Versions, save

JUNE, JULY = datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 7, 1, tzinfo=UTC)


def version(name: str, valid_from: datetime) -> Version:
    return Version(name, valid_from, {"article.title": Rule("descendant::h1", after="Новость:", strict=True)})


@pytest.mark.parametrize(("when", "name"), [
    (datetime(2018, 9, 14, tzinfo=UTC), None),  # before any learned one: the built-in
    (JUNE, "june"), (datetime(2024, 6, 20, tzinfo=UTC), "june"), (JULY, "july"), (datetime(2030, 1, 1, tzinfo=UTC), "july"),
])
def test_a_page_gets_the_version_valid_at_its_fetch_time(when: datetime, name: str | None) -> None:
    found = Versions([version("july", JULY), version("june", JUNE)]).at(when)
    assert (found.name if found else None) == name


def test_a_version_is_a_readable_file_that_reads_back_the_same(tmp_path: Path) -> None:
    written = version("june", JUNE)
    path = save(tmp_path, written)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["fields"]["article.title"] == {"xpath": "descendant::h1", "after": "Новость:", "strict": True}
    versions = Versions()
    assert versions.load(tmp_path) == [] and versions.versions == [written]


def test_a_file_that_is_no_version_is_named_and_skipped(tmp_path: Path) -> None:
    save(tmp_path, version("june", JUNE))
    (tmp_path / "broken.json").write_text('{"name": "x"}', encoding="utf-8")
    versions = Versions()
    skipped = versions.load(tmp_path)
    assert len(skipped) == 1 and "broken.json: not a site version" in skipped[0]
    assert [v.name for v in versions.versions] == ["june"]


@pytest.mark.parametrize(("html", "rule", "value"), [
    ("<h1>Новость: Заголовок</h1>", Rule("descendant::h1", after="Новость:"), "Заголовок"),
    ("<h1>Заголовок</h1>", Rule("descendant::h1", after="Новость:"), "Заголовок"),  # a label shown on some pages
    ("<h1>Заголовок</h1>", Rule("descendant::h1", after="Новость:", strict=True), None),  # or always
    ("<td>1 | Политика | Иванов</td>", Rule("descendant::td", after="|", after_last=True), "Иванов"),
    ('<a href="#r7000293">#3</a>', Rule("descendant::a", attribute="href", after="#r"), "7000293"),
    ("<div class=\"t\"><blockquote>q</blockquote>Ответ<br>дальше</div>", Rule("descendant::div[@class='t']", leave_out="descendant::blockquote"),
     "Ответ\nдальше"),
])
def test_a_rule_reads_its_value(html: str, rule: Rule, value: str | None) -> None:
    assert rule.first(lxml.html.fromstring(f"<div>{html}</div>")) == value


def test_cut_keeps_what_stands_between_the_labels() -> None:
    assert cut("Цитата, Олег сообщ. №12", "Цитата, ", " сообщ. №") == "Олег"
    assert cut("a / b / c", "/", "/") == "b"
