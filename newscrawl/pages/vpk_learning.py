"""What vpk.name's pages teach: a new site version from pages and the records known for them.

The fields and their kinds are the site's (``newscrawl.pages.vpk``); how a field is found where
its known values stand is ``newscrawl.pages.learning``. A version is kept only if the site's own
page objects, reading every page with it, give back the known records (the counters that move
between runs read as counters) and read every value of the unknown ones with the normalizers
accepting it: the check is the reader the crawl uses, not the learner's own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from lxml.html import HtmlElement
from scrapy.http import HtmlResponse

from newscrawl.extract.normalize import parse_ru_count
from newscrawl.pages import vpk
from newscrawl.pages.html import fetched_at
from newscrawl.pages.learning import (
    Example,
    FieldLearner,
    Kind,
    Learned,
    accepted,
    common_ancestor,
    holds,
    repeated,
    same,
    selectors,
    signature,
    spots,
    unit_of,
)
from newscrawl.pages.rules import Rule
from newscrawl.pages.versions import Version

ARTICLE_KINDS = {
    "url": Kind.URL, "title": Kind.TEXT, "published_at": Kind.DATE, "section": Kind.TEXT, "author": Kind.TEXT, "body": Kind.LIST,
    "image_url": Kind.URL, "image_alt": Kind.ATTRIBUTE, "image_caption": Kind.TEXT, "image_credit": Kind.TEXT,
    "rights_holder": Kind.TEXT, "rights_note": Kind.TEXT, "mentions": Kind.LIST, "views": Kind.COUNT,
    "comments_count": Kind.COUNT, "rating": Kind.COUNT,
}
COMMENT_KINDS = {
    "comment_id": Kind.TEXT, "number": Kind.COUNT, "author": Kind.TEXT, "posted_at": Kind.DATE, "text": Kind.LINES,
    "quote_author": Kind.TEXT, "quote_number": Kind.COUNT, "quote_text": Kind.LINES, "rating": Kind.COUNT,
}
# Counters that move between runs: a known value may be out of date, so such a field is kept when
# every page reads as a counter and some give the known value exactly.
VOLATILE = frozenset({"article.views", "article.comments_count", "article.rating", "comment.rating",
                      "listing.comments"})
GROWING = frozenset({"article.views", "article.comments_count", "listing.comments"})  # and rarely go down
# Without these a version reads no record: a version that cannot learn them is not written.
REQUIRED = ("article.block", "article.title", "article.published_at", "article.body", "comments.block",
            "comments.comment", "comment.number", "comment.author", "comment.posted_at", "comment.text")
FINDS_TEXT_FROM = 12  # characters: shorter comment texts do not say which comment an element is


@dataclass
class Page:
    response: HtmlResponse
    kind: str  # "listing", "article", "comments"
    thread: str | None
    root: HtmlElement
    now: datetime

    @classmethod
    def of(cls, response: HtmlResponse) -> Page | None:
        kind = vpk.page_kind(response.url)
        if kind is None:
            return None
        return cls(response, kind, vpk.thread_id_from_url(response.url), response.selector.root, fetched_at(response))


@dataclass
class Lesson:
    """What the pages taught: the rules, field by field how many known values each gave back, and
    what could not be learned (a required field: no version)."""

    rules: dict[str, Rule] = field(default_factory=dict)
    fields: dict[str, Learned] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # field → why
    checked: dict[str, Any] = field(default_factory=dict)  # the version read with the site's page objects

    def keep(self, name: str, learned: Learned, volatile: bool = False, required: bool = True) -> None:
        self.fields[name] = learned
        if accepted(learned, volatile):
            assert learned.rule is not None
            self.rules[name] = learned.rule
        elif learned.known or name in REQUIRED:
            if required:
                self.missing[name] = learned.note or f"read {learned.reproduced} of {learned.known} known values back"

    def failed(self) -> bool:
        return bool(self.missing) or any(name not in self.rules for name in REQUIRED)


def learn(responses: list[HtmlResponse], articles: dict[str, dict[str, Any]],
          comments: dict[str, list[dict[str, Any]]]) -> Lesson:
    """Learn every field from the pages and the known records (articles by id, comments by their
    article's id)."""
    pages = [page for response in responses if (page := Page.of(response)) is not None]
    lesson = Lesson()
    article_pages = [p for p in pages if p.kind == "article" and p.thread in articles]
    if article_pages:
        _learn_article(lesson, article_pages, articles)
    else:
        lesson.missing["article.block"] = "no article page of a known article among the pages"
    thread_pages = [p for p in pages if p.kind in ("article", "comments") and comments.get(p.thread or "")]
    _learn_comments(lesson, thread_pages, comments)
    _learn_comment_pages(lesson, [p for p in pages if p.kind == "article"])
    _learn_thread_link(lesson, [p for p in pages if p.kind == "comments"])
    listings = [p for p in pages if p.kind == "listing"]
    if listings:
        _learn_listing(lesson, listings, articles, [p for p in pages if p.kind == "article"])
    return lesson


# --- the article ---------------------------------------------------------------------------------

def _learn_article(lesson: Lesson, pages: list[Page], articles: dict[str, dict[str, Any]]) -> None:
    """The article's block (around its title and body), then each field inside it."""
    block_rule = _article_block(pages, articles)
    if block_rule is None:
        lesson.missing["article.block"] = "no element holds both the known title and body"
        return
    lesson.rules["article.block"] = block_rule
    found = [(page, block) for page in pages if (block := block_rule.element(page.root)) is not None]
    blocks = [(page, block) for page, block in found if page.thread in articles]
    unknown = [block for page, block in found if page.thread not in articles]
    learners = {}
    for name, kind in ARTICLE_KINDS.items():
        if name == "url" and all(vpk.CANONICAL.first(page.root) for page, _ in blocks):
            continue  # the canonical link says it (and a link to itself is optional: else the URL fetched)
        examples = [Example(block, articles[page.thread or ""].get(name), page.now, page.response.url)
                    for page, block in blocks]
        learner = learners[name] = FieldLearner(name, kind, examples, volatile=f"article.{name}" in VOLATILE,
                                                grows=f"article.{name}" in GROWING)
        learned = _untangled(learner, learner.learn(), learners, unknown)
        lesson.keep(f"article.{name}", learned, volatile=f"article.{name}" in VOLATILE, required=name != "url")


def _untangled(learner: FieldLearner, learned: Learned, learners: dict[str, FieldLearner],
               unknown: list[HtmlElement]) -> Learned:
    """Of the rules that read the known values back alike, one that on the articles not known yet
    reads no part of a list field (a tag, a paragraph): with few known articles, "the first <span>"
    may be an image's credit on one page and the tags on another."""
    lists = [other.ranked()[0].rule for name, other in learners.items()
             if other.kind is Kind.LIST and other is not learner and other.ranked()]
    if learner.kind is Kind.LIST or learner.volatile or not unknown or not lists or learned.rule is None:
        return learned
    for candidate in learner.ranked():
        if (candidate.reproduced, candidate.plausible, candidate.wrong) != (learned.reproduced, learned.plausible,
                                                                           learned.wrong):
            break
        if not any(_overlaps(candidate.rule, rule, block) for rule in lists if rule for block in unknown):
            return candidate
    return learned


def _overlaps(rule: Rule | None, listed: Rule, block: HtmlElement) -> bool:
    element = rule.element(block) if rule else None
    if element is None:
        return False
    return any(holds(element, item) or holds(item, element) for item in listed.elements(block))


def _article_block(pages: list[Page], articles: dict[str, dict[str, Any]]) -> Rule | None:
    for page in pages[:5]:
        record = articles[page.thread or ""]
        example = Example(page.root, record.get("title"), page.now)
        title = spots(example, Kind.TEXT)
        first = (record.get("body") or "").split("\n\n")[0]
        body = spots(Example(page.root, first, page.now), Kind.TEXT) if first else []
        if not title or not body:
            continue
        block = common_ancestor([title[0].element, body[0].element])
        for xpath in selectors(block, page.root):
            rule = Rule(xpath)
            if all(_holds_title(rule, p, articles) for p in pages):
                return rule
    return None


def _holds_title(rule: Rule, page: Page, articles: dict[str, dict[str, Any]]) -> bool:
    block = rule.element(page.root)
    title = articles[page.thread or ""].get("title") or ""
    return block is not None and " ".join(title.split()) in " ".join(block.text_content().split())


# --- the comments --------------------------------------------------------------------------------

def _learn_comments(lesson: Lesson, pages: list[Page], comments: dict[str, list[dict[str, Any]]]) -> None:
    """The comments' block and each comment, found around the known comments' texts; then each
    field inside a comment, from the comments known."""
    units_by_page, matched = [], []
    for page in pages:
        found = _known_texts(page, comments[page.thread or ""])
        elements = [element for element, _ in found]
        units = [unit_of(element, elements) for element in elements]
        matched.extend((page, unit, record, _path(unit, element)) for unit, (element, record) in zip(units, found, strict=True))
    # A known text also stands in the quote of a comment not known yet (a later reply): there it
    # lies deeper in its comment than the texts of comments do. The usual place wins.
    usual = Counter(path for *_, path in matched).most_common(1)[0][0] if matched else ()
    matched = [(page, unit, record) for page, unit, record, path in matched if path == usual and _shows(unit, record)]
    for page in pages:
        units_by_page.append((page.root, [unit for p, unit, _ in matched if p is page]))
    rules = repeated(units_by_page)
    if rules is None:
        lesson.missing["comments.comment"] = "no element shows a known comment's text"
        return
    lesson.rules["comments.block"], lesson.rules["comments.comment"] = rules
    kept = {id(u) for _, units in units_by_page for u in units}
    matched = [(page, unit, record) for page, unit, record in matched if id(unit) in kept]
    for name, kind in COMMENT_KINDS.items():
        examples = [Example(unit, _known_comment_value(name, record), page.now, page.response.url)
                    for page, unit, record in matched]
        if name == "comment_id" and not any(e.known for e in examples):
            continue  # the site shows no ids of its own: a comment is its article and number
        learner = FieldLearner(name, kind, examples, volatile=f"comment.{name}" in VOLATILE)
        learned = learner.learn()
        if name == "quote_text":
            learned = _nested_left_out(learner, learned, lesson.rules.get("comment.quote_author"))
        lesson.keep(f"comment.{name}", learned, volatile=f"comment.{name}" in VOLATILE)


def _nested_left_out(learner: FieldLearner, learned: Learned, author: Rule | None) -> Learned:
    """A quote's text leaves out a quote inside it: the kind of element that holds a quote (its
    author and its text) found inside its text. The pages may have shown no quote of a quote to
    learn it from, and read whole it would put the inner quote's words in the outer one's."""
    rule = learned.rule
    if rule is None or author is None:
        return learned
    for example in learner.examples:
        said, quoted = author.element(example.region), rule.element(example.region)
        if said is not None and quoted is not None:
            holder = f"descendant::{signature(common_ancestor([said, quoted]))}"
            if rule.leave_out and holder in rule.leave_out:
                return learned
            nested = learner.score(replace(rule, leave_out=f"{rule.leave_out} | {holder}" if rule.leave_out else holder))
            return nested if (nested.reproduced, -nested.wrong) >= (learned.reproduced, -learned.wrong) else learned
    return learned

def _shows(unit: HtmlElement, record: dict[str, Any]) -> bool:
    """Whether a comment shows the known comment's author and number too: two comments may have
    the same words (a new one, not known yet, repeating an old one on another page)."""
    text = " ".join(" ".join(unit.itertext()).split())  # "№1<br>14 сентября": text apart, as shown apart
    numbers = {parse_ru_count(token) for token in re.findall(r"\d+", text)}
    return (record.get("author") or "") in text and record.get("number") in numbers


def _path(unit: HtmlElement, element: HtmlElement) -> tuple[str, ...]:
    """The kinds of element from a comment down to its text."""
    path = []
    while element is not unit and element is not None:
        path.append(signature(element))
        element = element.getparent()
    return tuple(path)


def _known_comment_value(name: str, record: dict[str, Any]) -> Any:
    if name == "comment_id":  # an id of the site's own, not the "<article>-<number>" made without one
        value = record.get("comment_id") or ""
        return None if value.startswith(f"{record.get('article_id')}-") else value
    return record.get(name)


def _known_texts(page: Page, known: list[dict[str, Any]]) -> list[tuple[HtmlElement, dict[str, Any]]]:
    """The element showing each known comment's text on the page (with a quote left out). A
    comment's text also stands in the quotes of later comments: a place inside another found
    comment's text is a quote, not the comment."""
    found: list[tuple[HtmlElement, dict[str, Any]]] = []
    flat = "".join(page.root.text_content().split())  # lines joined by <br> have no space between them
    for record in known:
        text = record.get("text") or ""
        if len(text) < FINDS_TEXT_FROM or record.get("deleted") or "".join(text.split())[:40] not in flat:
            continue
        found.extend((spot.element, record) for spot in spots(Example(page.root, text, page.now), Kind.LINES))
    elements = [element for element, _ in found]
    found = [(element, record) for element, record in found
             if not any(other is not element and holds(other, element) for other in elements)]
    # Two comments with the same words say nothing of which element is which: left out.
    per_element = Counter(id(element) for element, _ in found)
    per_record = Counter(id(record) for _, record in found)
    return [(e, r) for e, r in found if per_element[id(e)] == 1 and per_record[id(r)] == 1]


def _learn_comment_pages(lesson: Lesson, pages: list[Page]) -> None:
    """The links to a thread's other pages: the elements linking to its numbered comment pages."""
    examples = [(page, links) for page in pages
                if (links := [a for a in page.root.iter("a") if _comment_page_of(page, a.get("href"))])]
    if not examples:
        lesson.fields["comments.pages"] = Learned(None, 0, 0, note="no thread of several pages among the pages")
        return
    page, links = examples[0]
    every = dict.fromkeys(re.sub(r"\[\d+\]$", "", x) for x in selectors(links[0], page.root))  # all, not the first
    if not _learn_link(lesson, "comments.pages", examples, every, lambda rule, p, ls: {
            p.response.urljoin(h) for h in rule.all(p.root)} == {p.response.urljoin(a.get("href")) for a in ls}):
        lesson.keep("comments.pages", Learned(None, 0, len(examples), note="no rule reads every page link"))


def _learn_thread_link(lesson: Lesson, pages: list[Page]) -> None:
    """A comment page's link to its article, the first in the page: what says whose thread it is."""
    examples = [(page, [link]) for page in pages if (link := next(
        (a for a in page.root.iter("a") if vpk.page_kind(page.response.urljoin(a.get("href") or "")) == "article"
         and vpk.article_id_from_url(page.response.urljoin(a.get("href") or "")) == page.thread), None)) is not None]
    if not examples:
        lesson.fields[vpk.THREAD_LINK_RULE] = Learned(None, 0, 0, note="no comment page links to its article")
        return
    page, (link,) = examples[0]
    if not _learn_link(lesson, vpk.THREAD_LINK_RULE, examples, selectors(link, page.root), lambda rule, p, _: (
            vpk.article_id_from_url(p.response.urljoin(rule.first(p.root) or "")) == p.thread)):
        lesson.fields[vpk.THREAD_LINK_RULE] = Learned(None, 0, len(examples), note="no rule finds the link on every page")


def _learn_link(lesson: Lesson, name: str, examples: list[tuple[Page, list[HtmlElement]]], xpaths: Iterable[str],
                reads: Callable[[Rule, Page, list[HtmlElement]], bool]) -> bool:
    """Keep the first of ``xpaths`` (to the first example's link) whose rule, reading the link's
    ``href``, ``reads`` every example's links back; whether one did."""
    for xpath in xpaths:
        rule = Rule(xpath, attribute="href")
        if all(reads(rule, page, links) for page, links in examples):
            lesson.rules[name] = rule
            lesson.fields[name] = Learned(rule, len(examples), len(examples))
            return True
    return False


def _comment_page_of(page: Page, href: str | None) -> bool:
    url = page.response.urljoin(href) if href else ""
    return bool(vpk.COMMENT_PAGE_URL.search(url.split("?", 1)[0])) and vpk.thread_id_from_url(url) == page.thread


# --- the listing ---------------------------------------------------------------------------------

def _learn_listing(lesson: Lesson, pages: list[Page], articles: dict[str, dict[str, Any]],
                   article_pages: list[Page]) -> None:
    """The listing's items: the blocks around links to articles, of the kind that lists the most
    articles found only on listings (a sidebar repeats the same ones on every page, article pages
    included); a link and a comment count in each; the next page."""
    units_by_page, items = [], []
    for page in pages:
        links = [a for a in page.root.iter("a") if vpk.article_id_from_url(page.response.urljoin(a.get("href") or ""))]
        ids = {id(a): vpk.article_id_from_url(page.response.urljoin(a.get("href") or "")) for a in links}
        units = []
        for a in links:
            others = [b for b in links if ids[id(b)] != ids[id(a)]]
            unit = unit_of(a, others)
            if all(unit is not u for u in units):
                units.append(unit)
                items.append((page, unit, ids[id(a)]))
        units_by_page.append((page.root, units))
    elsewhere = {vpk.article_id_from_url(p.response.urljoin(href)) for p in article_pages
                 for href in vpk.ANY_LINK.all(p.root)}
    _listing_group(units_by_page, items, elsewhere)
    rules = repeated(units_by_page)
    if rules is None:
        lesson.missing["listing.item"] = "no repeated block links to articles"
        return
    block_rule, unit_rule = rules
    item_rule = Rule(f"{block_rule.xpath}/{unit_rule.xpath}")
    lesson.rules["listing.item"] = item_rule
    lesson.fields["listing.item"] = Learned(item_rule, len(items), len(items))
    kept = {id(u) for _, units in units_by_page for u in units}
    items = [(page, unit, article) for page, unit, article in items if id(unit) in kept]
    link = FieldLearner("link", Kind.URL, [Example(unit, _article_url(page, unit, article), page.now, page.response.url)
                                           for page, unit, article in items]).learn()
    lesson.keep("listing.link", link)
    counts = [Example(unit, (articles.get(article) or {}).get("comments_count"), page.now)
              for page, unit, article in items if article in articles]
    lesson.keep("listing.comments", FieldLearner("comments", Kind.COUNT, counts, volatile=True, grows=True).learn(),
                volatile=True, required=False)
    _learn_next(lesson, pages)


def _listing_group(units_by_page: list[tuple[HtmlElement, list[HtmlElement]]],
                   items: list[tuple[Page, HtmlElement, str | None]], elsewhere: set[str | None]) -> None:
    """Keep the kind of block that lists the most distinct articles not linked from article pages."""
    listed: dict[str, set[str | None]] = {}
    for _, unit, article in items:
        listed.setdefault(signature(unit), set()).add(article)
    if listed:
        best = max(listed, key=lambda kind: len(listed[kind] - elsewhere) * 2 + len(listed[kind]))
        for _, units in units_by_page:
            units[:] = [u for u in units if signature(u) == best]


def _article_url(page: Page, unit: HtmlElement, article: str | None) -> str | None:
    for a in unit.iter("a"):
        url = page.response.urljoin(a.get("href") or "")
        if vpk.article_id_from_url(url) == article:
            return url
    return None


def _learn_next(lesson: Lesson, pages: list[Page]) -> None:
    examples = []
    for page in pages:
        listing = vpk.SitePage(page.response)
        wanted = listing.numbered_page(listing.page_number() + 1)
        element = next((a for a in page.root.iter("a") if wanted and page.response.urljoin(a.get("href") or "") == wanted), None)
        if element is not None:
            examples.append((page, [element]))
    if len(examples) < 2:  # one page cannot tell "the next" from "the second": found by its number
        lesson.fields["listing.next"] = Learned(None, 0, len(examples), note="found by its number")
        return
    page, (element,) = examples[0]
    if not _learn_link(lesson, "listing.next", examples, selectors(element, page.root), lambda rule, p, links: (
            p.response.urljoin(rule.first(p.root) or "") == p.response.urljoin(links[0].get("href")))):
        lesson.fields["listing.next"] = Learned(None, 0, len(examples), note="found by its number")


# --- the check: the site's page objects read every page with the version ---------------------------

def check(version: Version, responses: list[HtmlResponse], articles: dict[str, dict[str, Any]],
          comments: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Read every page with ``version`` as a crawl would: how many known records come back exactly
    (each field), how many unknown ones were read, and every value the normalizers refused."""
    unparsed: list[str] = []
    known_comments = {c["comment_id"]: c for thread in comments.values() for c in thread}
    result: dict[str, Any] = {"articles": 0, "articles_exact": 0, "comments": 0, "comments_exact": 0,
                              "unknown_comments": 0, "unparsed": unparsed, "differences": {}}

    def report(kind: str, raw: str, url: str) -> None:
        unparsed.append(f"{kind} {raw!r} on {url}")

    for response in responses:
        kind = vpk.page_kind(response.url)
        if kind not in ("article", "comments"):
            continue
        page = (vpk.ArticlePage if kind == "article" else vpk.CommentsPage)(response, report)
        page.version = version
        if kind == "article":
            _compare(page.article(), articles.get(vpk.thread_id_from_url(response.url) or ""), "article", result)
        for comment in page.comments():
            known = known_comments.get(comment.comment_id or "")
            if known is None:
                result["unknown_comments"] += 1
            _compare(comment, known, "comment", result)
    return result


def _compare(item: Any, known: dict[str, Any] | None, kind: str, result: dict[str, Any]) -> None:
    if known is None:
        return
    result[f"{kind}s"] += 1
    fields = ARTICLE_KINDS if kind == "article" else COMMENT_KINDS
    different = [name for name, shown in fields.items() if f"{kind}.{name}" not in VOLATILE and name in known
                 and not (same(shown, getattr(item, name), known[name]) if shown is Kind.URL else
                          getattr(item, name) == known[name])
                 and not (known[name] in (None, []) and not getattr(item, name))]
    for name in different:
        result["differences"][f"{kind}.{name}"] = result["differences"].get(f"{kind}.{name}", 0) + 1
    if not different:
        result[f"{kind}s_exact"] += 1


def rows(lesson: Lesson) -> Iterator[tuple[str, str, str]]:
    """The table ``learn`` prints: each field, how many known values it gave back, its rule."""
    for name in sorted(set(lesson.fields) | set(lesson.missing) | set(lesson.rules)):
        learned = lesson.fields.get(name)
        counts = f"{learned.reproduced} of {learned.known}" if learned and learned.known else "-"
        rule = lesson.rules.get(name)
        where = rule.xpath + (f" @{rule.attribute}" if rule and rule.attribute else "") if rule else (
            f"NOT LEARNED: {lesson.missing[name]}" if name in lesson.missing else (learned.note if learned else ""))
        yield name, counts, where
