"""The replica, driven over real HTTP the way a crawler sees it."""

from __future__ import annotations

import http.client
import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse

from tests.conftest import Replica, start_replica

pytestmark = pytest.mark.server

EXPECTED_SEED = json.loads((Path(__file__).parent / "replica" / "data" / "expected_record.json").read_text("utf-8"))
SEED_PATH = "/news/232118_azerbajdzhan_derzhit_kurs_na_odkb.html"


def get(url: str, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def html(url: str) -> Selector:
    """The page decoded as a crawler decodes it (header charset, else the meta tag)."""
    status, headers, body = get(url)
    assert status == 200, url
    return HtmlResponse(url, body=body, headers={"Content-Type": headers["content-type"]}).selector


def walk_listing(base: str) -> list[str]:
    urls, page = [], urljoin(base, "/news/")
    while page:
        sel = html(page)
        urls += [urljoin(base, href) for href in sel.css(".news-list a.news-link::attr(href)").getall()]
        nxt = sel.css(".pagination a.next::attr(href)").get()
        page = urljoin(page, nxt) if nxt else None
    return urls


def truth_articles(replica: Replica) -> list[dict]:
    return [r for r in replica.truth() if r["_type"] == "article"]


def test_listing_reaches_every_article_newest_first(replica: Replica) -> None:
    listed = walk_listing(replica.url)
    articles = truth_articles(replica)
    assert len(listed) == len(set(listed)) == len(articles) == 201
    assert set(listed) == {a["url"] for a in articles}
    dates = [a["published_at"] for a in articles]
    assert dates == sorted(dates, reverse=True)


def test_robots_sitemap_and_rubrics(replica: Replica) -> None:
    status, _, robots = get(replica.url + "robots.txt")
    assert status == 200 and b"Disallow: /login/" in robots
    sitemap = Selector(text=get(replica.url + "sitemap.xml")[2].decode(), type="xml")
    sitemap.remove_namespaces()
    assert len(sitemap.xpath("//loc/text()").getall()) == 201
    rubric = html(replica.url + "rubric/army/")
    assert rubric.css(".news-list a.news-link")


def test_comment_pages_link_up_and_hold_every_comment(replica: Replica) -> None:
    truth = replica.truth()
    counts = {a["article_id"]: a["comments_count"] for a in truth if a["_type"] == "article"}
    busiest = max(counts, key=counts.get)
    assert counts[busiest] >= 200, "the replica must have an article with hundreds of comments"
    article = next(a for a in truth if a["_type"] == "article" and a["article_id"] == busiest)
    sel = html(article["url"])
    page_links = sel.css("#comments .comments-pages a::attr(href)").getall()
    assert len(page_links) == -(-counts[busiest] // 20) - 1
    numbers = [int(n.lstrip("№")) for n in sel.css(".comment-num::text").getall()]
    for href in page_links:
        numbers += [int(n.lstrip("№")) for n in html(urljoin(article["url"], href)).css(".comment-num::text").getall()]
    expected = [c["number"] for c in truth if c["_type"] == "comment" and c["article_id"] == busiest]
    assert numbers == expected


def test_js_only_articles_have_an_empty_comments_block(replica: Replica) -> None:
    truth = replica.truth()
    js_pages = 0
    for article in (a for a in truth if a["_type"] == "article" and a["comments_count"]):
        sel = html(article["url"])
        if sel.css("#comments[data-render=client]"):
            js_pages += 1
            assert not sel.css("#comments .comment")
            assert sel.css("#comments::attr(data-count)").get() == str(article["comments_count"])
            status, _, body = get(urljoin(replica.url, sel.css("#comments::attr(data-src)").get()))
            assert status == 200 and "comment-num" in json.loads(body)["html"]
    assert js_pages >= 5


def test_windows_1251_pages_decode_by_header_and_by_meta(replica: Replica) -> None:
    seen = {"header": 0, "meta": 0}
    for article in truth_articles(replica):
        status, headers, body = get(article["url"])
        if "windows-1251" in headers["content-type"]:
            seen["header"] += 1
        elif b'<meta charset="windows-1251">' in body:
            assert headers["content-type"] == "text/html"
            seen["meta"] += 1
        else:
            continue
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        page = Selector(text=body.decode("cp1251"))
        assert page.css("h1.news-title::text").get() == article["title"]  # thin spaces etc. as &#NNNN;
        assert page.css(".discussed h4::text").get() == "Обсуждаемое"
    assert seen["header"] >= 3 and seen["meta"] >= 3


def test_seed_page_and_truth_match_the_seed_record(replica: Replica) -> None:
    seed = next(a for a in truth_articles(replica) if a["url"].endswith(SEED_PATH))
    assert {k: seed[k] for k in EXPECTED_SEED["article"]} == EXPECTED_SEED["article"]
    comments = [c for c in replica.truth() if c["_type"] == "comment" and c["article_id"] == seed["article_id"]]
    assert [{k: c[k] for k in EXPECTED_SEED["comments"][0]} for c in comments] == EXPECTED_SEED["comments"]
    sel = html(replica.url + SEED_PATH.lstrip("/"))
    assert sel.css(".news-counters li::text").getall() == ["1465", "4", "0"]
    assert sel.css(".comment-date::text").getall() == ["14.09.2018 20:53", "15.09.2018 10:25",
                                                       "15.09.2018 17:37", "15.09.2018 18:19"]
    assert sel.css(".quote-head::text").getall() == ["Цитата, q", "Цитата, штурм сообщ. №3"]
    assert len(sel.css(".discussed-list li")) == 15  # the sidebar, with its year-less dates
    assert all(re.fullmatch(r"\d\d\.\d\d \d\d:\d\d", d) for d in sel.css(".discussed-list .d-date::text").getall())


def test_day_moves_the_site_forward(replica_factory) -> None:
    day0, day1 = replica_factory(), replica_factory("--day", "1")
    date0 = parsedate_to_datetime(get(day0.url + "news/")[1]["date"])
    date1 = parsedate_to_datetime(get(day1.url + "news/")[1]["date"])
    assert date1 - date0 == timedelta(days=1)

    truth0 = {_key(r): r for r in day0.truth()}
    truth1 = {_key(r): r for r in day1.truth()}
    new_articles = [r for k, r in truth1.items() if k not in truth0 and r["_type"] == "article"]
    assert new_articles and walk_listing(day1.url)[0] == max(new_articles, key=lambda a: a["published_at"])["url"].replace(
        day0.url, day1.url)
    gone = [k for k in truth0 if k not in truth1]
    assert len([k for k in gone if k[0] == "comment"]) == 1, "one comment deleted"
    edited = [k for k, r in truth1.items() if k in truth0 and r["_type"] == "comment" and r["text"] != truth0[k]["text"]]
    assert len(edited) == 1 and truth1[edited[0]]["text"].endswith("UPD: поправил опечатку.")
    new_comments = [r for k, r in truth1.items() if k not in truth0 and r["_type"] == "comment"]
    day0_moment = datetime.fromisoformat("2018-09-16T12:00:00+03:00")
    revived = {c["article_id"] for c in new_comments
               if datetime.fromisoformat(truth1[("article", c["article_id"])]["published_at"]) < day0_moment - timedelta(days=7)}
    assert revived, "an old article gains comments"
    sidebar = html(day1.url + "news/").css(".discussed-list a::attr(href)").getall()
    assert any(re.search(rf"/news/{article_id}_", href) for href in sidebar for article_id in revived)
    grown = [k for k, r in truth1.items() if k in truth0 and r["_type"] == "article" and r["views"] > truth0[k]["views"]]
    assert grown


def _key(record: dict) -> tuple[str, str]:
    return (record["_type"], record["article_id"] if record["_type"] == "article" else record["comment_id"])


def _attempt(url: str) -> str:
    started = time.monotonic()
    try:
        status, _, body = get(url, timeout=5)
    except http.client.IncompleteRead:
        return "truncate"
    except (http.client.RemoteDisconnected, ConnectionResetError):
        return "drop"
    if status in (500, 503):
        return str(status)
    return "slow" if time.monotonic() - started > 1.2 else "ok"


@pytest.fixture
def fresh_faulty_replica() -> Iterator[Replica]:
    """A replica of its own: faults hit a URL once per server, so no other test may come first."""
    replica, proc = start_replica("--faults")
    yield replica
    proc.terminate()
    proc.wait(timeout=10)


def test_faults_each_happen_once_per_url(fresh_faulty_replica: Replica) -> None:
    faulty = fresh_faulty_replica
    urls = [a["url"] for a in truth_articles(faulty)]
    with ThreadPoolExecutor(8) as pool:
        first = list(pool.map(_attempt, urls))
        second = list(pool.map(_attempt, urls))
    assert {"500", "503", "slow", "drop", "truncate"} <= set(first)
    assert set(second) == {"ok"}, "a retry gets the real page"
    sel = html(faulty.url + "news/")
    assert sel.css('a[href^="http://partner.example.net/"]'), "a link to another host"
    status, headers, _ = get(faulty.url + "go/a")
    assert status == 302 and headers["location"] == "/go/b"
    assert get(faulty.url + "go/b")[1]["location"] == "/go/a"
    status, headers, _ = get(faulty.url + "news/archive/full.html", timeout=30)
    assert int(headers["content-length"]) > 20 * 1024 * 1024
    broken = [u for u in urls if '<a href="/search/">Поиск</a> <a class="login"'.encode() in get(u)[2]]
    assert broken, "some pages leave a div open"


def test_faults_are_off_by_default(replica: Replica) -> None:
    urls = [a["url"] for a in truth_articles(replica)][:60]
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(_attempt, urls)) == {"ok"}
    assert get(replica.url + "go/a")[0] == 404
