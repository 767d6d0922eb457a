"""The replica's world: every article and comment the site will ever show, with their times.

The world is built once, deterministically from a seed; ``World.view(now)`` then tells what the
site shows at a given moment. Time only moves through ``now``: a comment exists once it was
posted, an edit shows once it was made, a deletion hides a comment from then on.

Truth lives here in clean form (texts as the crawler must emit them); ``render`` adds the mess.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.replica.habits import Habits

MOSCOW = ZoneInfo("Europe/Moscow")
DATA = Path(__file__).parent / "data"
DAY0_NOW = datetime(2018, 9, 16, 12, 0, tzinfo=MOSCOW)
LISTING_PAGE_SIZE = 20
FUTURE_DAYS = 30  # how far --day can go with new articles, comments, edits and deletions
SEED_ARTICLE_ID = "232118"
SEED_SLUG = "azerbajdzhan_derzhit_kurs_na_odkb"


@dataclass(frozen=True)
class Section:
    slug: str
    name: str


SECTIONS = [
    Section("army", "Армия"), Section("aviation", "Авиация"), Section("navy", "Флот"),
    Section("politics", "Политика"), Section("industry", "ОПК"), Section("space", "Космос"),
]


@dataclass
class Quote:
    author: str
    number: int | None  # None: a quote of the article itself ("Цитата, q")
    text: str
    nested: Quote | None = None  # the quoted comment's own quote, shown inside this one


@dataclass
class Comment:
    article_id: str
    number: int
    site_id: str | None
    author: str
    posted_at: datetime
    text: str  # clean lines joined by "\n": what the crawler must emit
    rating: int
    quote: Quote | None = None
    edits: list[tuple[datetime, str]] = field(default_factory=list)
    deleted_at: datetime | None = None
    raw_text: str | None = None  # the seed's text exactly as the page had it
    raw_html: str | None = None  # the body's HTML exactly as served (hostile comments)
    date_style: float = 0.0

    def visible(self, now: datetime) -> bool:
        return self.posted_at <= now and (self.deleted_at is None or self.deleted_at > now)

    def text_at(self, now: datetime) -> str:
        current = self.text
        for when, text in self.edits:
            if when <= now:
                current = text
        return current

    @property
    def comment_id(self) -> str:
        return self.site_id or f"{self.article_id}-{self.number}"


@dataclass
class Image:
    path: str
    alt: str
    caption: str
    credit: str


@dataclass
class Article:
    id: str
    slug: str
    title: str
    published_at: datetime
    section: Section
    author: str | None
    paragraphs: list[str]
    image: Image | None
    rights_holder: str
    rights_note: str
    mentions: list[str]
    rating: int
    base_views: int
    comments: list[Comment]
    js_comments: bool = False
    encoding: str = "utf-8"  # or "cp1251-header", "cp1251-meta"
    frozen_views: int | None = None  # the seed page's counters never move
    style: float = 0.0  # picks display forms, stable per article
    broken_html: bool = False

    @property
    def path(self) -> str:
        return f"/news/{self.id}_{self.slug}.html"

    @property
    def short_path(self) -> str:
        """What the sidebar links to: the site serves an article under any slug after its id."""
        return f"/news/{self.id}_{self.slug.split('_')[0]}.html"

    def comment_page_path(self, page: int) -> str:
        return self.path if page == 1 else f"/news/{self.id}_{self.slug}/comments/{page}/"

    def views_at(self, now: datetime) -> int:
        if self.frozen_views is not None:
            return self.frozen_views
        hours = max((now - self.published_at).total_seconds() / 3600, 0)
        return int(self.base_views * min(1.0, (hours / 96) ** 0.5)) + 3


class World:
    def __init__(self, articles: list[Article], day0: datetime) -> None:
        self.articles = sorted(articles, key=lambda a: a.published_at, reverse=True)
        self.by_id = {a.id: a for a in self.articles}
        self.day0 = day0

    def now(self, day: int) -> datetime:
        return self.day0 + timedelta(days=day)

    def view(self, now: datetime, sidebar_size: int = 15, habits: Habits | None = None) -> View:
        return View(self, now, sidebar_size, habits)


class View:
    """The site as it is at ``now``."""

    def __init__(self, world: World, now: datetime, sidebar_size: int = 15, habits: Habits | None = None) -> None:
        self.world = world
        self.now = now
        self.sidebar_size = sidebar_size
        self.habits = habits or Habits()
        self.articles = [a for a in world.articles if a.published_at <= now]

    def comments(self, article: Article) -> list[Comment]:
        return self._comments.get(article.id, [])

    @cached_property
    def _comments(self) -> dict[str, list[Comment]]:
        return {a.id: [c for c in a.comments if c.visible(self.now)] for a in self.articles}

    def comment_pages(self, article: Article) -> list[list[Comment]]:
        comments, size = self.habits.ordered(self.comments(article)), self.habits.per_page
        return [comments[i : i + size] for i in range(0, len(comments), size)] or [[]]

    @cached_property
    def discussed(self) -> list[Article]:
        """The "Обсуждаемое" sidebar: the threads commented on in the last two days, old ones
        first (a live old thread is news), then by their latest comment."""
        since = self.now - timedelta(days=2)
        latest = {a.id: max((c.posted_at for c in self.comments(a) if c.posted_at > since), default=None)
                  for a in self.articles}
        active = [a for a in self.articles if latest[a.id]]
        week_ago = self.now - timedelta(days=7)
        return sorted(active, key=lambda a: (a.published_at >= week_ago, -latest[a.id].timestamp()))[: self.sidebar_size]

    def sections(self, slug: str) -> list[Article]:
        return [a for a in self.articles if a.section.slug == slug]


# --- building ---------------------------------------------------------------------------------

_WORDS = re.compile(r"[^\W\d_]+")
_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     "a b v g d e e zh z i j k l m n o p r s t u f h c ch sh shch _ y _ e yu ya".split(), strict=True))


def slugify(title: str) -> str:
    words = [w.lower() for w in _WORDS.findall(title)][:6]
    return "_".join("".join(_TRANSLIT.get(ch, ch) for ch in w).replace("_", "") for w in words) or "news"


def build_world(articles: int = 200, seed: int = 1, day0: datetime = DAY0_NOW, js_share: float = 0.1,
                hostile: bool = False) -> World:
    """The seed article plus ``articles`` generated ones before ``day0``, and more after it.

    ``js_share`` of the generated articles have comments that only JavaScript renders;
    ``hostile`` gives one article comments that attack spreadsheets and terminals.
    """
    from tests.replica.generate import Generator  # generation needs the vocabulary; a view does not

    seed_article = load_seed_article()
    generated = Generator(seed, day0, js_share).articles(articles, seed_article)
    if hostile:
        _make_hostile(generated, day0)
    return World([seed_article, *generated], day0)


# (text the crawler must emit, the comment body's HTML as served)
HOSTILE = [
    ('=HYPERLINK("http://evil.example.net/","Подробнее")', None),
    ("+7 (495) 000-00-00, звоните", None),
    ("-1 за такую новость", None),
    ("@admin удалите спам", None),
    ("=1+2", None),
    ("Хороший текст и конец", 'Хороший текст<script>document.title="взлом"</script> и конец'),
    ("Стиль не виден", "<style>.comment{display:none}</style>Стиль не виден"),
    ("Звонок и цвет[31m красный", "Звонок\x07 и цвет\x1b[31m красный"),
    ("Текст перевёрнутый конец", "Текст \u202eперевёрнутый\u202c конец"),
    ("👨\u200d👩\u200d👧 семья с нулевой шириной", None),
]


def _make_hostile(articles: list[Article], day0: datetime) -> None:
    """The first plain article with enough comments by day 0 gets them, from its first comment on."""
    article = next(a for a in articles if not a.js_comments and a.encoding == "utf-8" and len(a.comments) >= len(HOSTILE)
                   and all(c.deleted_at is None and not c.edits and c.posted_at <= day0
                           for c in a.comments[: len(HOSTILE)]))
    for comment, (text, raw_html) in zip(article.comments, HOSTILE, strict=False):
        comment.text, comment.raw_text, comment.quote = text, text, None
        comment.raw_html = raw_html


# --- the seed page ----------------------------------------------------------------------------

def _clean(line: str) -> str:
    return " ".join(line.split())


def _clean_block(lines: list[str]) -> str:
    return "\n".join(c for c in (_clean(line) for line in lines) if c)


def load_seed_article() -> Article:
    """Read the seed article from the text of the real page, as a reader saw it."""
    lines = (DATA / "article_page.txt").read_text(encoding="utf-8").splitlines()
    title, views, count, rating, alt, caption_line = (lines[2], lines[4], lines[5], lines[6], lines[7], lines[8])
    rights_at = lines.index("Права на данный материал принадлежат")
    body = [_clean(line) for line in lines[10:rights_at] if line.strip()]
    caption, credit = caption_line.split(". Источник: ")
    comments_at = next(i for i, line in enumerate(lines) if line.startswith("№1"))
    end = next(i for i, line in enumerate(lines) if line.startswith("Хотите оставить комментарий"))
    comments = _seed_comments(lines[comments_at:end], body)
    assert len(comments) == int(count)
    return Article(
        id=SEED_ARTICLE_ID, slug=SEED_SLUG, title=title,
        published_at=datetime(2018, 9, 14, 18, 10, tzinfo=MOSCOW),
        section=SECTIONS[3], author=None, paragraphs=body,
        image=Image("/images/news/232118/ilham_aliev.jpg", alt, caption, credit.rstrip(".")),
        rights_holder="Вестник Кавказа", rights_note=lines[rights_at + 1],
        mentions=[], rating=int(rating), base_views=int(views), comments=comments,
        frozen_views=int(views), style=0.9,  # 0.9: plain counters, as the page shows them
    )


def _seed_comments(lines: list[str], body: list[str]) -> list[Comment]:
    """Split the comments block into comments, each quote apart from the comment's own words.

    A quote of comment N repeats N's own text; a quote of the article ("Цитата, q") repeats
    lines of the body. That is how the page text tells where a quote ends.
    """
    starts = [i for i, line in enumerate(lines) if re.fullmatch(r"№\d+", line)] + [len(lines)]
    comments: list[Comment] = []
    authors = {3: "штурм"}  # №4 quotes "штурм сообщ. №3"
    for start, end in zip(starts, starts[1:], strict=False):
        block = lines[start:end]
        number = int(block[0][1:])
        posted = datetime.strptime(block[1], "%d.%m.%Y %H:%M").replace(tzinfo=MOSCOW)
        text_lines = block[2:-2]  # between the date and the rating, "Сообщить"
        quote = None
        if text_lines[0].startswith("Цитата, "):
            quote, text_lines = _split_seed_quote(text_lines, comments, body)
        comments.append(Comment(
            article_id=SEED_ARTICLE_ID, number=number, site_id=None,
            author=authors.get(number, ["Tank", "Ратник"][number % 2]), posted_at=posted,
            text=_clean_block(text_lines), rating=int(block[-2]), quote=quote,
            raw_text="\n".join(text_lines), date_style=0.8,  # 0.8: "14.09.2018 20:53", as on the page
        ))
    return comments


def _split_seed_quote(lines: list[str], earlier: list[Comment], body: list[str]) -> tuple[Quote, list[str]]:
    head = re.fullmatch(r"Цитата, (?P<author>.+?)(?: сообщ\. №(?P<number>\d+))?", lines[0])
    assert head, lines[0]
    rest = lines[1:]
    if head["number"]:
        quoted = earlier[int(head["number"]) - 1]
        cut = _index_of_nth_text_line(rest, len(quoted.text.splitlines()))
        quote = Quote(head["author"], int(head["number"]), quoted.text)
    else:
        cut = 0
        while cut + 1 < len(rest) and (not rest[cut + 1].strip() or _clean(rest[cut + 1]) in " ".join(body)):
            cut += 1
        quote = Quote(head["author"], None, _clean_block(rest[: cut + 1]))
    return quote, rest[cut + 1 :]


def _index_of_nth_text_line(lines: list[str], n: int) -> int:
    non_blank = [i for i, line in enumerate(lines) if line.strip()]
    return non_blank[n - 1]


def rng_for(*parts: object) -> random.Random:
    return random.Random(":".join(map(str, parts)))
