"""Extraction from stored pages of the site, each with its expected output beside it."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from newscrawl.extract.items import RUN_FIELDS
from newscrawl.pages.vpk import ArticlePage, CommentsPage, SitePage
from tests.conftest import ROOT

PAGES = Path(__file__).parent / "vpk"


def stored(name: str) -> tuple[HtmlResponse, dict]:
    meta = json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))
    body = (PAGES / f"{name}.html").read_bytes()
    return HtmlResponse(meta["url"], body=body, headers=meta["headers"]), meta


def what_the_page_says(record: dict) -> dict:
    """The record less what a run adds (fetch time, versions, sightings), of a comment alive."""
    assert record.get("version") is None and not record.get("deleted") and record.get("removal") is None
    return {k: v for k, v in record.items() if k not in RUN_FIELDS | {"deleted", "removal", "removal_notice"}}


PAGE_NAMES = sorted(p.stem for p in PAGES.glob("*.json") if not p.stem.startswith("listing"))


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_comments_and_links(name: str) -> None:
    response, expected = stored(name)
    page = CommentsPage(response)
    comments = [asdict(c) for c in page.comments()]
    assert [what_the_page_says(c) for c in comments] == expected["comments"]
    assert page.comment_page_urls() == expected["comment_page_urls"]
    assert page.needs_browser() == expected["needs_browser"]
    assert all(c["crawled_at"] == "2018-09-16T09:00:00+00:00" for c in comments)  # the Date header, in UTC


@pytest.mark.parametrize("name", [n for n in PAGE_NAMES if n.startswith("article_")])
def test_article(name: str) -> None:
    response, expected = stored(name)
    article = asdict(ArticlePage(response).article())
    assert what_the_page_says(article) == expected["article"]
    assert article["crawled_at"] == "2018-09-16T09:00:00+00:00"


def test_listing() -> None:
    response, expected = stored("listing_2018-09-16_page1")
    page = SitePage(response)
    assert [asdict(link) for link in page.listed_articles()] == expected["listed_articles"]
    assert page.next_page_url() == expected["next_page_url"]
    assert [asdict(link) for link in page.discussed_articles()] == expected["discussed_articles"]


def test_seed_page_gives_the_seed_record() -> None:
    record = json.loads((ROOT / "tests" / "replica" / "data" / "expected_record.json").read_text("utf-8"))
    response, _ = stored("article_2018-09-14_seed")
    page = ArticlePage(response)
    article = asdict(page.article())
    assert {k: article[k] for k in record["article"]} == record["article"]
    assert [{k: asdict(c)[k] for k in record["comments"][0]} for c in page.comments()] == record["comments"]


def test_unreadable_values_are_null_and_reported() -> None:
    response, _ = stored("article_2018-09-14_seed")
    broken = response.replace(body=response.body.replace(
        b"14.09.2018 20:53", "вчерашний день".encode()).replace(
        '<li class="views" title="Просмотры">1465</li>'.encode(), '<li class="views" title="Просмотры">много</li>'.encode()))
    reports: list[tuple[str, str, str]] = []
    page = ArticlePage(broken, lambda *args: reports.append(args))
    assert page.article().views is None
    first = next(iter(page.comments()))
    assert first.posted_at is None and first.text  # the rest of the comment is still there
    assert sorted(reports) == [("count", "много", response.url), ("date", "вчерашний день", response.url)]


@pytest.mark.parametrize("notice", ["Комментарий удалён модератором", "Сообщение скрыто администрацией",
                                    "[Удалено модератором]"])
def test_a_moderator_s_placeholder_is_a_moderated_deletion_with_the_page_as_its_proof(notice: str) -> None:
    """The seed page with its first comment left as a moderator's placeholder: number and date kept,
    no author, the placeholder's words apart from the comment's text."""
    response, _ = stored("article_2018-09-14_seed")
    html = response.text
    start = html.index('<div class="comment"')
    end = html.index('<div class="comment"', start + 1)
    first = html[start:end]
    head = first[: first.index('<a class="comment-author"')]
    placeholder = (f'{head}<span class="comment-date">14.09.2018 20:53</span></div>\n'
                   f'<div class="comment-body"><i>{notice}</i></div>\n</div>\n')
    page = CommentsPage(response.replace(body=(html[:start] + placeholder + html[end:]).encode("utf-8"),
                                         encoding="utf-8"))
    comments = list(page.comments())
    removed = comments[0]
    assert (removed.deleted, removed.removal, removed.removal_notice, removed.text, removed.author) == (
        True, "moderated", notice, None, None)
    assert removed.number == 1 and removed.posted_at == "2018-09-14T20:53:00+03:00"
    assert not any(c.deleted for c in comments[1:])
    assert page.evidence().comments[0] == (removed.comment_id, 1)  # still on the page: no absence


def test_a_placeholder_in_place_of_the_whole_comment_is_read_too() -> None:
    """No body, no author: the placeholder is what the comment shows besides its number and date."""
    response, _ = stored("article_2018-09-14_seed")
    html = response.text
    start = html.index('<div class="comment"')
    end = html.index('<div class="comment"', start + 1)
    bare = ('<div class="comment"><span class="comment-num">№1</span> <span class="comment-date">14.09.2018 20:53'
            '</span> Комментарий удалён</div>\n')
    page = CommentsPage(response.replace(body=(html[:start] + bare + html[end:]).encode("utf-8"), encoding="utf-8"))
    removed = next(iter(page.comments()))
    assert (removed.deleted, removed.removal, removed.removal_notice, removed.number) == (
        True, "moderated", "Комментарий удалён", 1)


def test_a_pagination_that_leaves_pages_out_gives_every_page() -> None:
    """ "1 2 3 … 9": the walk is planned over pages 2 to 9, not the four linked."""
    response, expected = stored("comments_2018-09-13_page2_nested_quotes")
    html = response.text.replace(
        '<span class="current">2</span>',
        '<span class="current">2</span> <a href="/news/232093_minoborony_otkazalis_ot_zrk_pancir_s/comments/3/">3</a> … '
        '<a href="/news/232093_minoborony_otkazalis_ot_zrk_pancir_s/comments/9/">9</a>')
    page = CommentsPage(response.replace(body=html.encode("utf-8"), encoding="utf-8"))
    urls = page.comment_page_urls()
    assert [u.rsplit("/", 2)[1] for u in urls] == [str(n) for n in range(2, 10)]
