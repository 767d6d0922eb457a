"""Learning a markup from known values (``newscrawl.pages.learning``, ``newscrawl.pages.vpk_learning``):
tables of the page texts a value stands in, and the stored pages of the site read back by what a
learner makes of them without knowing its selectors."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
import pytest
from scrapy.http import HtmlResponse

from newscrawl.pages import vpk
from newscrawl.pages.learning import Example, FieldLearner, Kind, accepted, spots
from newscrawl.pages.rules import Rule
from newscrawl.pages.versions import Version
from newscrawl.pages.vpk_learning import check, learn
from tests.pages.test_vpk import PAGE_NAMES, stored

NOW = datetime(2018, 9, 16, 9, tzinfo=UTC)


def region(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(f"<div>{html}</div>")


# A value in other markup: (html, kind, known) → what the learned rule reads back from it.
FOUND = [
    ('<p class="when">15 сентября 2018 в 10:25</p>', Kind.DATE, "2018-09-15T10:25:00+03:00"),  # a date in words
    ("<span>Опубликовано: 15.09.2018, 10:25</span>", Kind.DATE, "2018-09-15T10:25:00+03:00"),  # behind a label
    ("<li>Просмотров: 1,4 тыс.</li>", Kind.COUNT, 1400),  # a counter in thousands, with its label
    ("<td>3 294 просмотров, 30 комментариев, рейтинг +1</td>", Kind.COUNT, 30),  # one of three in a cell
    ('<header class="who">Олег · №7</header>', Kind.COUNT, 7),
    ('<header class="who">Олег · №7</header>', Kind.TEXT, "Олег"),
    ('<time datetime="2018-09-15T10:25:00+03:00">вчера</time>', Kind.DATE, "2018-09-15T10:25:00+03:00"),  # an attribute
    ('<div class="ic">НАТО / Пресс-служба Минобороны</div>', Kind.TEXT, "Пресс-служба Минобороны"),
]


@pytest.mark.parametrize(("html", "kind", "known"), FOUND)
def test_a_known_value_is_found_and_read_back_in_markup_never_seen(html: str, kind: Kind, known: object) -> None:
    learned = FieldLearner("field", kind, [Example(region(html), known, NOW)]).learn()
    assert learned.rule is not None and learned.reproduced == 1, learned


def test_labels_are_learned_from_every_example_and_shown_values_only() -> None:
    """"Олег · №7" and "Вика" (a quote with no number): the number is after "№" where there is
    one, and none where the label is not shown (no "Вика" read as a number)."""
    examples = [Example(region(f'<header class="who">{text}</header>'), known, NOW)
                for text, known in (("Олег · №7", 7), ("Вика", None), ("Пётр · №12", 12), ("Иван · №3", 3))]
    learned = FieldLearner("quote_number", Kind.COUNT, examples).learn()
    assert accepted(learned, volatile=False), learned
    assert learned.rule is not None and learned.rule.strict and learned.rule.first(examples[1].region) is None


def test_a_value_shown_nowhere_is_not_learned_and_says_so() -> None:
    learned = FieldLearner("author", Kind.TEXT, [Example(region("<p>Текст</p>"), "Мария Сидорова", NOW)]).learn()
    assert learned.rule is None and learned.note == "no element shows the known values"


def test_a_growing_counter_is_learned_from_values_a_little_higher() -> None:
    """Views known from an earlier run: the page shows more now."""
    examples = [Example(region(f'<span class="v">{shown}</span> <span class="r">{rating}</span>'), known, NOW)
                for shown, rating, known in (("1 210", 3, 1200), ("340", 5, 300), ("90", 1, 90))]
    learned = FieldLearner("views", Kind.COUNT, examples, volatile=True, grows=True).learn()
    assert accepted(learned, volatile=True) and "' v '" in (learned.rule.xpath if learned.rule else "")


def test_spots_leave_a_quote_out_of_a_comment_text() -> None:
    found = spots(Example(region('<div class="t"><blockquote>Цитата</blockquote>Мой ответ</div>'), "Мой ответ", NOW),
                  Kind.LINES)
    assert found and found[0].leave_out == "descendant::blockquote"


# --- the site's own pages, learned as if never seen --------------------------------------------------

def test_the_stored_pages_teach_a_version_that_reads_them_back() -> None:
    """The seed article and the other stored pages of the site, with their records: the learner
    does not know the built-in selectors, and its version, read by the site's page objects, gives
    every known record back."""
    pages, articles, comments = [], {}, {}
    for name in PAGE_NAMES:
        response, expected = stored(name)
        pages.append(response)
        if expected.get("article"):
            articles[expected["article"]["article_id"]] = expected["article"]
        thread = vpk.thread_id_from_url(response.url)
        comments.setdefault(thread, []).extend(expected["comments"])
    lesson = learn(pages, articles, comments)
    assert not lesson.failed(), lesson.missing
    version = Version("stored", datetime(2000, 1, 1, tzinfo=UTC), lesson.rules)
    read = check(version, pages, articles, comments)
    assert read["differences"] == {} and read["unparsed"] == []
    assert read["articles_exact"] == len(articles) and read["comments_exact"] == read["comments"] > 0


def test_a_field_that_cannot_be_learned_is_named() -> None:
    response, expected = stored("article_2018-09-14_seed")
    body = response.body.replace(expected["article"]["title"].encode(), b"-")
    page = HtmlResponse(response.url, body=body, headers=expected["headers"])
    lesson = learn([page], {expected["article"]["article_id"]: expected["article"]},
                   {expected["article"]["article_id"]: expected["comments"]})
    assert lesson.failed() and "article.block" in lesson.missing  # no block holds the known title


# --- a page read with a learned version --------------------------------------------------------------

VERSION = Version("learned-test", datetime(2018, 9, 16, tzinfo=UTC), {
    "article.block": Rule("descendant::div[@class='post']"), "article.title": Rule("descendant::h2"),
    "article.published_at": Rule("descendant::time"), "article.body": Rule("descendant::section/p"),
    "article.views": Rule("descendant::li", after="Просмотров:", strict=True),
    "comments.block": Rule("descendant::ol"), "comments.comment": Rule("li"),
    "comment.number": Rule("descendant::b"), "comment.text": Rule("descendant::div", lines=True),
})
PAGE = ('<html><head></head><body><div class="post"><h2>Заголовок</h2><time>15 сентября 2018 в 10:25</time>'
        '<section><p>Один.</p><p>Два.</p></section><ul><li>Просмотров: 1,4 тыс.</li></ul></div>'
        '<ol><li><b>#1</b><div>Первый<br>комментарий</div></li></ol></body></html>')


def test_a_page_is_read_with_the_version_of_its_fetch_time() -> None:
    response = HtmlResponse("https://vpk.name/news/232118_a.html", body=PAGE.encode(),
                            headers={"Date": "Sun, 16 Sep 2018 09:00:00 GMT", "Content-Type": "text/html; charset=utf-8"})
    page = vpk.ArticlePage(response)
    assert page.version is None  # nothing loaded: the built-in, which cannot read it
    assert page.problem() == "unreadable by site version built-in: the article"
    page.version = VERSION
    article = page.article()
    assert (article.title, article.published_at, article.body, article.views) == (
        "Заголовок", "2018-09-15T10:25:00+03:00", "Один.\n\nДва.", 1400)
    assert [(c.comment_id, c.number, c.text) for c in page.comments()] == [("232118-1", 1, "Первый\nкомментарий")]
