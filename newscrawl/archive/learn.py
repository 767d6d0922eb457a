"""``python -m newscrawl learn``: a new site version from pages the current one cannot read.

    learn --run RUN_ID           the run's archived pages, and the records the archive already
                                 holds for what they show (found by the ids in their URLs)
    learn --url URL --record F   one article page of the site and its known record (the first day)

Where the pages at hand lack a kind of page (a run whose listing could not be read fetched no
article page; one article page has no listing), ``learn`` fetches a few from the site, politely
(``LEARN_MAX_PAGES``, ``DOWNLOAD_DELAY``, the User-Agent and robots.txt of a crawl). It writes the
version into ``SITE_VERSIONS_DIR`` only when every field with known values was learned and the
site's own page objects, reading every page with it, give the known records back; else it writes
nothing, names the fields and exits 1. Exit 2: the run, the URL or the record file is wrong.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from protego import Protego
from scrapy.http import HtmlResponse
from scrapy.settings import BaseSettings

from newscrawl.exports.feeds import jsonl_records
from newscrawl.exports.warc import DAMAGE, index, stored_response
from newscrawl.layout import RunLayout, run_folders, runs_dir
from newscrawl.pages import vpk
from newscrawl.pages.html import fetched_at
from newscrawl.pages.versions import Version, save, versions_dir
from newscrawl.pages.vpk_learning import REQUIRED, Lesson, check, learn, rows

EXIT_LEARNED, EXIT_NOT_LEARNED, EXIT_WRONG_INPUT = 0, 1, 2
# A known value the version reads differently may have been edited since it was archived; more
# than this share of a field's values differing is a rule that reads the wrong element.
CHANGED_SINCE_SHARE = 0.05
UNKNOWN_ARTICLES = 6  # learn --url: articles fetched besides the one known, to check the rules on

Known = tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]


class WrongInput(Exception):
    """The run, the URL or the record file cannot be learned from: one line, exit 2."""


def from_run(settings: BaseSettings, run_id: str) -> int:
    runs = runs_dir(settings, vpk.SPIDER)
    folder = RunLayout(runs / run_id)
    if not folder.archive.exists():
        raise WrongInput(f"no archived pages of run {run_id!r} in {folder.folder} (EXPORTS_DIR)")
    pages = _archived(folder.folder)
    known = _known_records([f for f in run_folders(runs) if f.name != run_id])
    if not known[0]:
        raise WrongInput(f"the archive in {runs} holds no records other than run {run_id}'s: learn from a "
                         "page and its record instead (learn --url URL --record FILE)")
    fetcher = Fetcher(settings)
    pages += _articles_missing(pages, known[0], fetcher)
    return _learn(settings, pages, known, f"learned-{run_id}", {"run": run_id})


def from_url(settings: BaseSettings, url: str, record_file: Path) -> int:
    try:
        record = json.loads(record_file.read_text(encoding="utf-8"))
        article, comments = record["article"], record["comments"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise WrongInput(f"{record_file}: not a record file {{\"article\": {{…}}, \"comments\": [{{…}}]}} ({error})") from None
    article_id = vpk.article_id_from_url(url)
    if article_id is None or article.get("article_id") != article_id:
        raise WrongInput(f"{url} is not the page of the article in {record_file} "
                         f"(article_id {article.get('article_id')!r})")
    fetcher = Fetcher(settings)
    page = fetcher.get(url)
    pages = [page, *(fetcher.get(link) for link in _thread_links(page))]
    listing = urljoin(url, urlsplit(vpk.START_URL).path)
    first = fetcher.get(listing)
    pages.append(first)
    second = vpk.SitePage(first).numbered_page(2)
    if second:
        pages.append(fetcher.get(second))
    # A few articles not known yet: with one article known, what tells its fields apart on others.
    others = [url for url in dict.fromkeys(first.urljoin(href) for href in vpk.ANY_LINK.all(first.selector.root))
              if vpk.page_kind(url) == "article" and vpk.article_id_from_url(url) != article_id]
    pages += [fetcher.get(url) for url in others[:UNKNOWN_ARTICLES]]
    known = ({article_id: article}, {article_id: [c for c in comments if not c.get("deleted")]})
    return _learn(settings, pages, known, f"learned-{article_id}", {"url": url, "record": str(record_file)})


def _learn(settings: BaseSettings, pages: list[HtmlResponse], known: Known, name: str, source: dict[str, Any]) -> int:
    started = time.monotonic()
    articles, comments = known
    lesson = learn(pages, articles, comments)
    valid_from = min(fetched_at(page) for page in pages)
    version = Version(name, valid_from, lesson.rules, taught_by={
        **source, "learned_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "pages": sorted({page.url for page in pages}),
        "records": {"articles": len(articles), "comments": sum(len(c) for c in comments.values())},
        "fields": {field: learned.to_json() for field, learned in sorted(lesson.fields.items())}})
    checked = check(version, pages, articles, comments) if not lesson.failed() else None
    problems = _problems(lesson, checked)
    _print(lesson, checked, pages, known, source)
    if problems:
        print(f"newscrawl learn: nothing written: {'; '.join(problems)}", file=sys.stderr)
        return EXIT_NOT_LEARNED
    path = save(versions_dir(settings), version)
    print(f"newscrawl learn: site version {name}, valid from {valid_from.isoformat()}, written to {path} "
          f"in {time.monotonic() - started:.1f} s", file=sys.stderr)
    if "run" in source:
        print(f"newscrawl learn: next, repair the run: python -m newscrawl reextract --runs {source['run']}",
              file=sys.stderr)
    return EXIT_LEARNED


def _problems(lesson: Lesson, checked: dict[str, Any] | None) -> list[str]:
    problems = [f"{field} not learned ({why})" for field, why in sorted(lesson.missing.items())]
    problems += [f"{field} not learned" for field in sorted(set(REQUIRED) - set(lesson.rules) - set(lesson.missing))]
    if checked is None:
        return problems
    for field, count in sorted(checked["differences"].items()):
        compared = checked["articles" if field.startswith("article.") else "comments"]
        if count > CHANGED_SINCE_SHARE * compared:
            problems.append(f"{field} reads {count} of {compared} known values differently")
    if checked["unparsed"]:
        problems.append(f"{len(checked['unparsed'])} values the normalizers refuse, e.g. {checked['unparsed'][0]}")
    return problems


def _print(lesson: Lesson, checked: dict[str, Any] | None, pages: list[HtmlResponse], known: Known,
           source: dict[str, Any]) -> None:
    articles, comments = known
    kinds = {kind: sum(1 for p in pages if vpk.page_kind(p.url) == kind) for kind in ("listing", "article", "comments")}
    origin = f"run {source['run']}" if "run" in source else source["url"]
    print(f"newscrawl learn: from {origin}: {kinds['listing']} listing, {kinds['article']} article and "
          f"{kinds['comments']} comment pages; {len(articles)} articles and {sum(len(c) for c in comments.values())} "
          "comments known")
    table = list(rows(lesson))
    width = max(len(name) for name, _, _ in table)
    print(f"{'field':<{width}}  {'reproduced':>12}  where")
    for name, counts, where in table:
        print(f"{name:<{width}}  {counts:>12}  {where}")
    if checked is not None:
        print(f"read with the site's page objects: {checked['articles_exact']} of {checked['articles']} known "
              f"articles and {checked['comments_exact']} of {checked['comments']} known comments exactly; "
              f"{checked['unknown_comments']} comments not known yet read; {len(checked['unparsed'])} values refused")


# --- pages ---------------------------------------------------------------------------------------

def _archived(folder: Path) -> list[HtmlResponse]:
    """The run's pages as archived, the last of each URL (a retried page's last answer); a
    damaged record is skipped."""
    pages = []
    for (url, rendered), archived in index((folder,)).items():
        if not rendered and vpk.page_kind(url) is not None:
            with suppress(*DAMAGE):
                pages.append(stored_response(archived, url))
    return pages


def _known_records(folders: list[Path]) -> Known:
    """Each article's and comment's latest record over the runs, its deletions left out."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for folder in folders:
        for kind, path in RunLayout(folder).exports():
            for record in jsonl_records(path):
                key = (kind, record.get("article_id") if kind == "article" else record.get("comment_id"))
                if key not in latest or (record.get("version") or 0) >= (latest[key].get("version") or 0):
                    latest[key] = record
    articles = {key: record for (kind, key), record in latest.items() if kind == "article"}
    comments: dict[str, list[dict[str, Any]]] = {}
    for (kind, _), record in latest.items():
        if kind == "comment" and not record.get("deleted"):
            comments.setdefault(record["article_id"], []).append(record)
    return articles, comments


def _articles_missing(pages: list[HtmlResponse], articles: dict[str, Any], fetcher: Fetcher) -> list[HtmlResponse]:
    """Article pages of known articles, with their comment pages, fetched where the run has none
    (its listing could not be read, so it went no further): linked from the run's listing pages."""
    if any(vpk.page_kind(p.url) == "article" and vpk.article_id_from_url(p.url) in articles for p in pages):
        return []
    fetched: list[HtmlResponse] = []
    for listing in (p for p in pages if vpk.page_kind(p.url) == "listing"):
        for href in vpk.ANY_LINK.all(listing.selector.root):
            url = listing.urljoin(href)
            if vpk.page_kind(url) == "article" and vpk.article_id_from_url(url) in articles \
                    and url not in {p.url for p in fetched} and fetcher.left() > 3:
                page = fetcher.get(url)
                fetched += [page, *(fetcher.get(link) for link in _thread_links(page)[:2])]
    return fetched


def _thread_links(page: HtmlResponse) -> list[str]:
    thread = vpk.thread_id_from_url(page.url)
    return sorted({url for href in vpk.ANY_LINK.all(page.selector.root)
                   if vpk.page_kind(url := page.urljoin(href)) == "comments" and vpk.thread_id_from_url(url) == thread})


class Fetcher:
    """A few pages from the site, as politely as a crawl: its User-Agent, robots.txt, a pause."""

    def __init__(self, settings: BaseSettings) -> None:
        contact = settings.get("CONTACT")
        self.user_agent = settings.get("USER_AGENT") + (f" ({contact})" if contact else "")
        self.delay = settings.getfloat("DOWNLOAD_DELAY") or 1.0
        self.timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self.budget = settings.getint("LEARN_MAX_PAGES")
        self.obey = settings.getbool("ROBOTSTXT_OBEY")
        self.robots: dict[str, Protego] = {}
        self.last = 0.0

    def left(self) -> int:
        return self.budget

    def get(self, url: str) -> HtmlResponse:
        if self.budget <= 0:
            raise WrongInput(f"LEARN_MAX_PAGES ({self.budget}) pages fetched: raise it to learn from more")
        if self.obey and not self._allowed(url):
            raise WrongInput(f"{url}: robots.txt does not allow it")
        self.budget -= 1
        wait = self.last + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": self.user_agent}),
                                        timeout=self.timeout) as answer:
                body, headers = answer.read(), list(answer.headers.items())
        except (urllib.error.URLError, OSError) as error:
            raise WrongInput(f"{url} could not be fetched ({error})") from None
        finally:
            self.last = time.monotonic()
        return HtmlResponse(url=url, status=200, headers=headers, body=body)

    def _allowed(self, url: str) -> bool:
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        if origin not in self.robots:
            try:
                with urllib.request.urlopen(f"{origin}/robots.txt", timeout=self.timeout) as answer:
                    self.robots[origin] = Protego.parse(answer.read().decode("utf-8", "replace"))
            except (urllib.error.URLError, OSError):
                self.robots[origin] = Protego.parse("")
        return self.robots[origin].can_fetch(url, self.user_agent)
