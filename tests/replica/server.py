"""The replica's HTTP server: a small asyncio HTTP/1.1 server with keep-alive.

Written on asyncio's protocol layer rather than http.server because it must outrun the crawler
it serves (benchmarks need it never to be the bottleneck) and because faults such as a dropped
connection or a truncated body need control of the socket. Pages are rendered once and cached.
"""

from __future__ import annotations

import asyncio
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import format_datetime
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

from tests.replica import habits, markups, render
from tests.replica import lies as walk_lies
from tests.replica.world import LISTING_PAGE_SIZE, SECTIONS, Article, View

ARTICLE = re.compile(r"/news/(?P<id>\d+)_(?P<slug>[\w-]+)\.html")
COMMENT_PAGE = re.compile(r"/news/(?P<id>\d+)_(?P<slug>[\w-]+)/comments/(?P<page>\d+)/")
COMMENTS_API = re.compile(r"/api/comments/(?P<id>\d+)/(?P<page>\d+)\.json")
RUBRIC = re.compile(r"/rubric/(?P<slug>\w+)/")
HUGE_PAGE_BYTES = 24 * 1024 * 1024
FAULT_LINKS = ('<a href="/go/a">Архив</a> <a href="http://partner.example.net/news/">Партнёры</a> '
               '<a href="/news/archive/full.html">Все новости одной страницей</a>')


# Pages that lie (--lie KIND): each on a share of the pages it concerns, every time they are asked
# for, except "throttle", which answers 429 twice and then the page. Several lies at once share
# those pages out.
LIES = {
    "cut": "article and comment pages cut short mid-comment, status 200, an honest Content-Length",
    "empty": "article pages empty, status 200",
    "login": "article pages replaced by a login page, status 200",
    "charset": "article and comment pages in windows-1251 labelled UTF-8",
    "huge": "comment pages of 40 MB",
    "offhost": "comment pages redirecting to another host",
    "throttle": "article pages answering 429 with Retry-After: 1, twice",
    "slow": "article pages that dribble one byte a second after their first half",
    **walk_lies.KINDS,
}
LIE_PAGES = {"cut": {"article", "comments"}, "charset": {"article", "comments"}, "empty": {"article"},
             "login": {"article"}, "throttle": {"article"}, "slow": {"article"}, "huge": {"comments"},
             "offhost": {"comments"}}
LIE_SHARE = 25  # percent of the pages concerned
LOGIN_PAGE = ('<!DOCTYPE html>\n<html lang="ru"><head><meta charset="utf-8"><title>Вход</title></head><body>'
              '<form action="/login/" method="post"><h1>Войдите, чтобы продолжить</h1>'
              '<input name="login"><input name="password" type="password"><div class="captcha"></div></form>'
              '</body></html>\n')
HUGE_LIE_BYTES = 40 * 1024 * 1024
# --redesign: the site renames the classes of the fields inside an article and a comment (the
# blocks stay): a crawler that does not notice stores articles and comments of nulls.
REDESIGN = {'class="news-title"': 'class="article__headline"', 'class="news-text"': 'class="article__text"',
            'class="comment-author"': 'class="msg__user"', 'class="comment-body"': 'class="msg__text"',
            'class="comment-date"': 'class="msg__time"'}


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class Site:
    """What the replica answers for a path, at one moment, with or without faults."""

    def __init__(self, view: View, *, faults: bool = False, lies: frozenset[str] = frozenset(),
                 redesign: bool = False) -> None:
        """``view`` carries the site's habits (``tests.replica.habits``)."""
        self.view = view
        self.faults = faults
        self.lies = lies
        self.redesign = redesign
        self.attempts: dict[str, int] = {}
        self.date_header = format_datetime(view.now.astimezone(UTC), usegmt=True)
        self.render = lru_cache(maxsize=20_000)(self._render)

    def respond(self, target: str, host: str) -> tuple[Response, str | None]:
        """The response, and the fault to apply to it (None for a clean answer)."""
        fault = self._fault(target) if self.faults else None
        if fault in ("500", "503"):
            return Response(int(fault), b"<h1>Server error</h1>", headers={"Retry-After": "0"}), None
        response = self.render(target, host)
        for kind in sorted(self.lies & walk_lies.KINDS.keys()) if response.status == 200 else ():
            told = self._told(kind, target, response)
            if told is not None:
                return told, None
        lie = self._lie(target) if self.lies and response.status == 200 else None
        if lie:
            return self._lying(lie, target, response)
        return response, fault

    def _lie(self, target: str) -> str | None:
        path = urlsplit(target).path
        kind = "comments" if COMMENT_PAGE.fullmatch(path) else "article" if ARTICLE.fullmatch(path) else None
        if kind is None or zlib.crc32(b"lie" + path.encode()) % 100 >= LIE_SHARE:
            return None
        told = [lie for lie in sorted(self.lies) if kind in LIE_PAGES.get(lie, ())]
        # Several at once: each page chosen tells one of them, so that one crawl meets them all.
        return told[zlib.crc32(b"kind" + path.encode()) % len(told)] if told else None

    def _lying(self, lie: str, target: str, response: Response) -> tuple[Response, str | None]:
        body = response.body
        if lie == "cut":
            middle = body.find(b'<div class="comment"', len(body) // 2)
            cut = body.find(b'class="comment-body"', middle) + 40 if middle > 0 else len(body) // 2
            return Response(200, body[:cut], response.content_type), None
        if lie == "empty":
            return Response(200, b""), None
        if lie == "login":
            return Response(200, LOGIN_PAGE.encode()), None
        if lie == "charset":
            text = body.decode(response.content_type.partition("charset=")[2] or "cp1251")
            return Response(200, text.encode("cp1251", errors="xmlcharrefreplace"), "text/html; charset=utf-8"), None
        if lie == "huge":
            return Response(200, _huge_body()), None
        if lie == "offhost":
            return Response(302, b"", headers={"Location": f"http://partner.example.net{target}"}), None
        if lie == "throttle":
            self.attempts[target] = attempts = self.attempts.get(target, 0) + 1
            if attempts <= 2:
                return Response(429, b"<h1>Too many requests</h1>", headers={"Retry-After": "1"}), None
            return response, None
        return response, "dribble"

    def _told(self, kind: str, target: str, response: Response) -> Response | None:
        """A page that lies about what it is (``tests.replica.lies``), or None for the truth."""
        path, view = urlsplit(target).path, self.view
        if kind == "counter" and (path == "/news/" or RUBRIC.fullmatch(path)):
            lied = (lambda a: self._tells(a, "counter")) if self._several() else walk_lies.article_lied_about
            return Response(200, walk_lies.inflated_listing(response.body.decode(), view, lied).encode())
        match = ARTICLE.fullmatch(path) or COMMENT_PAGE.fullmatch(path)
        article = self._article(match["id"]) if match else None
        if article is None or match is None or not self._tells(article, kind):
            return None
        number = int(match.groupdict().get("page") or 1)
        every = self._several()  # the article tells its one lie on every page
        if kind == "counter" and number == 1 and (every or walk_lies.article_lied_about(article)):
            return self._encoded(article, walk_lies.inflated_counter(render.article_page(view, article)))
        if kind == "stale" and (every or walk_lies.article_lied_about(article)):
            old = walk_lies.old_view(view, article)
            if old is None or number > len(old.comment_pages(article)):
                return None
            html = render.article_page(old, article) if number == 1 else render.comment_page(old, article, number)
            return self._encoded(article, html)
        if number > 1:
            html = walk_lies.comment_page(kind, view, article, number, path, every)
            return None if html is None else self._encoded(article, html)
        return None

    def _tells(self, article: Article, kind: str) -> bool:
        """Whether the article's pages may tell this lie. One lie: a share of them
        (``walk_lies.SHARE``). Several at once: each article tells one of them on every page
        (``walk_lies.assigned``), so that one crawl meets them all."""
        kinds = sorted(self.lies & walk_lies.KINDS.keys())
        return walk_lies.assigned(kinds, article.id) == kind if len(kinds) > 1 else True

    def _several(self) -> bool:
        return len(self.lies & walk_lies.KINDS.keys()) > 1

    def _fault(self, target: str) -> str | None:
        """Each fault hits a path once: the crawler's retry gets the real page."""
        self.attempts[target] = attempts = self.attempts.get(target, 0) + 1
        if attempts > 1 or target == "/robots.txt":
            return None
        bucket = zlib.crc32(target.encode()) % 100
        for limit, kind in ((4, "500"), (8, "503"), (11, "slow"), (14, "drop"), (17, "truncate")):
            if bucket < limit:
                return kind
        return None

    def _render(self, target: str, host: str) -> Response:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        number = _page_number(query)
        view = self.view
        if path == "/robots.txt":
            return Response(200, render.ROBOTS.encode(), "text/plain; charset=utf-8")
        if path == "/sitemap.xml":
            return Response(200, render.sitemap(view, f"http://{host}").encode(), "application/xml")
        if path == "/":
            return self._html(render.home_page(view))
        if path == "/news/":
            return self._listing(view.articles, path, number, "Новости")
        if match := RUBRIC.fullmatch(path):
            section = next((s for s in SECTIONS if s.slug == match["slug"]), None)
            if section:
                return self._listing(view.sections(section.slug), path, number, section.name)
        if match := ARTICLE.fullmatch(path):
            article = self._article(match["id"])  # any slug: the page's canonical link names the one
            if article:
                markup = view.habits.markup
                html = markups.article_page(view, article, markup) if markup else render.article_page(view, article)
                down = view.habits.thread_down(article)
                if down and view.comments(article):
                    html = habits.comments_down(html, article, down)
                return self._encoded(article, html)
        if match := COMMENT_PAGE.fullmatch(path):
            article = self._article(match["id"])
            page = int(match["page"])
            if article and 1 < page <= len(view.comment_pages(article)):
                markup = view.habits.markup
                html = markups.comment_page(view, article, page, markup) if markup else render.comment_page(view, article, page)
                return self._encoded(article, html)
        if match := COMMENTS_API.fullmatch(path):
            article = self._article(match["id"])
            page = int(match["page"])
            if article and 1 <= page <= len(view.comment_pages(article)):
                return Response(200, render.comments_json(view, article, page).encode(), "application/json")
        if path == "/static/comments.js":
            return Response(200, render.COMMENTS_JS.encode(), "application/javascript")
        if self.faults:
            if path in ("/go/a", "/go/b"):
                return Response(302, b"", headers={"Location": "/go/b" if path == "/go/a" else "/go/a"})
            if path == "/news/archive/full.html":
                return self._html("<html><body>" + "<p>Архив новостей</p>" * (HUGE_PAGE_BYTES // 40) + "</body></html>")
        return Response(404, "<h1>Страница не найдена</h1>".encode(), "text/html; charset=utf-8")

    def _article(self, article_id: str) -> Article | None:
        article = self.view.world.by_id.get(article_id)
        return article if article and article.published_at <= self.view.now else None

    def _listing(self, articles: list[Article], base: str, number: int, heading: str) -> Response:
        pages = max(1, -(-len(articles) // LISTING_PAGE_SIZE))
        if number > pages:
            return Response(404, "<h1>Нет такой страницы</h1>".encode())
        chunk = articles[(number - 1) * LISTING_PAGE_SIZE : number * LISTING_PAGE_SIZE]
        markup = self.view.habits.markup
        html = markups.listing_page(self.view, chunk, base, number, pages, heading, markup) if markup else None
        return self._html(html or render.listing_page(self.view, chunk, base, number, pages, heading))

    def _html(self, html: str) -> Response:
        if self.faults:
            html = html.replace("</footer>", f" {FAULT_LINKS}</footer>", 1)
        for old, new in REDESIGN.items() if self.redesign else ():
            html = html.replace(old, new)
        return Response(200, html.encode())

    def _encoded(self, article: Article, html: str) -> Response:
        if article.encoding == "utf-8":
            return self._html(html)
        response = self._html(html)
        response.body = response.body.decode().encode("cp1251", errors="xmlcharrefreplace")
        response.content_type = "text/html; charset=windows-1251" if article.encoding == "cp1251-header" else "text/html"
        return response


def _page_number(query: dict[str, list[str]]) -> int:
    try:
        return max(1, int(query.get("page", ["1"])[0]))
    except ValueError:
        return 1


class HttpProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive; one request at a time per connection, as crawlers send them."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.busy = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._serve_next()

    def _serve_next(self) -> None:
        while not self.busy and b"\r\n\r\n" in self.buffer and self.transport and not self.transport.is_closing():
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            try:
                method, target, _version = lines[0].split(" ", 2)
            except ValueError:
                self._send(Response(400, b"bad request"), method="GET", close=True)
                return
            headers = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
            headers = {k.strip().lower(): v.strip() for k, v in headers.items()}
            close = headers.get("connection", "").lower() == "close"
            response, fault = self.site.respond(target, headers.get("host", "127.0.0.1"))
            if fault == "drop":
                self.transport.abort()
                return
            if fault == "slow":
                self.busy = True
                asyncio.get_running_loop().call_later(1.5, self._send_later, response, method, close)
                return
            if fault == "dribble":
                self.busy = True
                asyncio.get_running_loop().create_task(self._dribble(response))
                return
            self._send(response, method, close, truncate=fault == "truncate")

    async def _dribble(self, response: Response) -> None:
        """Headers and half the body at once, then a byte a second, up to a minute."""
        assert self.transport is not None
        self._send(response, "GET", close=False, truncate=True, keep_open=True)
        rest = response.body[len(response.body) // 2 :]
        for index in range(min(60, len(rest))):
            await asyncio.sleep(1)
            if self.transport.is_closing():
                return
            self.transport.write(rest[index : index + 1])
        self.transport.close()

    def _send_later(self, response: Response, method: str, close: bool) -> None:
        self.busy = False
        if self.transport and not self.transport.is_closing():
            self._send(response, method, close)
            self._serve_next()

    def _send(self, response: Response, method: str, close: bool, truncate: bool = False,
              keep_open: bool = False) -> None:
        assert self.transport is not None
        reason = {200: "OK", 301: "Moved Permanently", 302: "Found", 400: "Bad Request", 404: "Not Found",
                  429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}[response.status]
        head = [f"HTTP/1.1 {response.status} {reason}", f"Date: {self.site.date_header}",
                f"Content-Type: {response.content_type}", f"Content-Length: {len(response.body)}",
                "Server: replica"]
        head += [f"{k}: {v}" for k, v in response.headers.items()]
        if close or truncate:
            head.append("Connection: close")
        body = b"" if method == "HEAD" else response.body
        if truncate:
            body = body[: len(body) // 2]
        self.transport.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        if (close or truncate) and not keep_open:
            self.transport.close()


async def serve(site: Site, port: int) -> None:
    """Serve until cancelled; the first line printed is the URL (port 0 picks a free port)."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: HttpProtocol(site), "127.0.0.1", port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    print(f"http://127.0.0.1:{bound}/", flush=True)
    async with server:
        await server.serve_forever()


@lru_cache(maxsize=1)
def _huge_body() -> bytes:
    return b"<!DOCTYPE html>\n<html><body>" + b"<p>comment</p>" * (HUGE_LIE_BYTES // 14) + b"</body></html>\n"
