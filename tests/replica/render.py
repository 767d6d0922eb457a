"""HTML of the replica's pages, with the chrome and the mess of a real news site."""

from __future__ import annotations

import json
from html import escape
from urllib.parse import quote as urlquote

from tests.replica import display, habits
from tests.replica.world import SECTIONS, Article, Comment, Quote, View, rng_for

SITE = "ВПК.name"


def _messy(text: str, key: object) -> str:
    """Raw page text for clean ``text``: doubled spaces, and blank lines between some lines."""
    rng = rng_for("mess", key)
    lines = []
    for line in text.split("\n"):
        if rng.random() < 0.3:
            line = line.replace(" ", "  ", 1)
        if lines and rng.random() < 0.25:
            lines.append("")
        lines.append(line)
    return "\n".join(lines)


def _text_html(raw: str) -> str:
    """Lines become <br>-separated, paragraphs (split by a blank line) become <p>."""
    paragraphs = [p for p in raw.split("\n\n") if p.strip()]
    parts = ["<br>\n".join(escape(line) for line in p.split("\n")) for p in paragraphs]
    if len(parts) == 1:
        return parts[0]
    return "".join(f"<p>{part}</p>" for part in parts)


def _quote_html(quote: Quote) -> str:
    head = f"Цитата, {quote.author}" + (f" сообщ. №{quote.number}" if quote.number else "")
    nested = _quote_html(quote.nested) if quote.nested else ""
    return (f'<blockquote class="quote"><div class="quote-head">{escape(head)}</div>'
            f'<div class="quote-text">{nested}{_text_html(quote.text)}</div></blockquote>')


def comment_html(comment: Comment, view: View) -> str:
    if view.habits.moderated(comment):
        date = display.date_text(comment.posted_at, view.now, comment.date_style)
        return habits.placeholder_html(comment, escape(date), escape(view.habits.moderation_text))
    text = comment.text_at(view.now)
    raw = comment.raw_text if comment.raw_text is not None and not comment.edits else _messy(text, comment.comment_id)
    ident = f' id="comment-{comment.site_id}" data-id="{comment.site_id}"' if comment.site_id else ""
    quote = _quote_html(comment.quote) if comment.quote else ""
    date = display.date_text(comment.posted_at, view.now, comment.date_style)
    body = comment.raw_html if comment.raw_html is not None and not comment.edits else _text_html(raw)
    return (
        f'<div class="comment"{ident}>\n'
        f'<div class="comment-head"><span class="comment-num">№{comment.number}</span> '
        f'<a class="comment-author" href="/user/{urlquote(comment.author)}/">{escape(comment.author)}</a> '
        f'<span class="comment-date">{escape(date)}</span></div>\n'
        f'<div class="comment-body">{quote}{body}</div>\n'
        f'<div class="comment-foot"><span class="comment-rating">'
        f'{display.rating_text(comment.rating, comment.date_style)}</span> '
        f'<a class="comment-report" href="#report">Сообщить</a></div>\n</div>'
    )


def comments_fragment(view: View, article: Article, page: int) -> str:
    """The inside of the comments block: this page's comments and the pages' links."""
    pages = view.comment_pages(article)
    items = "\n".join(comment_html(c, view) for c in pages[page - 1])
    nav = ""
    if len(pages) > 1:
        links = " ".join(
            f'<span class="current">{n}</span>' if n == page
            else f'<a href="{article.comment_page_path(n)}">{n}</a>'
            for n in range(1, len(pages) + 1)
        )
        nav = f'<nav class="comments-pages">Страницы: {links}</nav>'
    return f"{items}\n{nav}"


def comments_section(view: View, article: Article, page: int) -> str:
    count = len(view.comments(article))
    attrs = f'id="comments" class="comments" data-article-id="{article.id}" data-count="{count}"'
    title = f'<h3 class="comments-title">{display.comments_title(count)}</h3>'
    if article.js_comments:
        src = f"/api/comments/{article.id}/{page}.json"
        return (f'{title}<section {attrs} data-render="client" data-src="{src}">'
                '<noscript>Для просмотра комментариев включите JavaScript</noscript></section>'
                '<script src="/static/comments.js" defer></script>')
    return f"{title}<section {attrs}>\n{comments_fragment(view, article, page)}\n</section>"


def comments_json(view: View, article: Article, page: int) -> str:
    return json.dumps({"html": comments_fragment(view, article, page)}, ensure_ascii=False)


COMMENTS_JS = """document.addEventListener('DOMContentLoaded', async () => {
  const box = document.querySelector('#comments[data-src]');
  if (!box) return;
  const response = await fetch(box.dataset.src);
  box.innerHTML = (await response.json()).html;
  box.classList.add('loaded');
});
"""


def _sidebar(view: View) -> str:
    items = "\n".join(
        f'<li><span class="d-date">{display.sidebar_date(a.published_at)}</span>'
        f'<span class="d-count">{len(view.comments(a))}</span>'
        f'<a href="{a.short_path}?utm_source=discussed">{escape(a.title)}</a></li>'
        for a in view.discussed
    )
    return (
        '<aside class="sidebar">\n'
        '<div class="subscribe"><b>ПОДПИСКА НА НОВОСТИ</b> Ежедневная рассылка новостей ВПК на '
        'электронный почтовый ящик <form action="/subscribe/"><input name="email"></form></div>\n'
        '<div class="block rubrics"><h4>Разделы новостей</h4><ul>'
        + "".join(f'<li><a href="/rubric/{s.slug}/">{s.name}</a></li>' for s in SECTIONS)
        + '</ul></div>\n'
        f'<div class="block discussed"><h4>Обсуждаемое</h4><a class="refresh" href="#">Обновить</a>'
        f'<ul class="discussed-list">\n{items}\n</ul></div>\n'
        '<div class="ad banner">Реклама: 12 000 подписчиков, 14.09.2018 скидки до 50%</div>\n</aside>'
    )


def page(view: View, title: str, main: str, *, head: str = "", charset: str | None = "utf-8",
         broken: bool = False) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    header_close = "" if broken else "</div>"  # broken pages leave the menu's div open
    return (
        f'<!DOCTYPE html>\n<html lang="ru"><head>{meta}<title>{escape(title)} - {SITE}</title>\n{head}'
        '<link rel="stylesheet" href="/static/site.css"></head>\n<body>\n'
        f'<header class="site-header"><a class="logo" href="/">{SITE}</a>'
        '<div class="menu"><a href="/news/">Новости</a> <a href="/rubric/army/">Армия</a> '
        f'<a href="/search/">Поиск</a>{header_close} <a class="login" href="/login/">Войти</a></header>\n'
        '<div class="ad top">Реклама <span class="ad-date">01.06 17:03</span> <span>+2</span></div>\n'
        f'<main class="content">\n{main}\n</main>\n{_sidebar(view)}\n'
        f'<footer class="site-footer">© 2007–2018 {SITE}. Все права защищены. '
        f'<a href="/about/">О проекте</a></footer>\n</body></html>\n'
    )


def json_ld(article: Article) -> str:
    """What news sites give search engines, and what outlives a redesign of the page's classes."""
    data: dict[str, object] = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": article.title,
                               "datePublished": article.published_at.isoformat(), "articleSection": article.section.name}
    if article.author:
        data["author"] = {"@type": "Person", "name": article.author}
    if article.image:
        data["image"] = {"@type": "ImageObject", "url": article.image.path}
    return json.dumps(data)  # ASCII: the same text whatever the page's encoding


def article_page(view: View, article: Article) -> str:
    views_text, _ = display.count_text(article.views_at(view.now), article.style)
    count = len(view.comments(article))
    date = display.date_text(article.published_at, view.now, article.style)
    if article.style > 0.7 and article.frozen_views is None:
        date = f"Опубликовано: {date}"
    head = (f'<link rel="canonical" href="{article.path}">\n'
            f'<meta property="og:title" content="{escape(article.title)}">\n'
            f'<script type="application/ld+json">{json_ld(article)}</script>\n')
    if article.style < 0.5:
        head += f'<meta property="article:published_time" content="{article.published_at.isoformat()}">\n'
    author = f'<span class="news-author">Автор: {escape(article.author)}</span>' if article.author else ""
    figure = ""
    if article.image:
        img = article.image
        figure = (f'<figure class="news-image"><img src="{img.path}" alt="{escape(img.alt)}">'
                  f'<figcaption>{escape(img.caption)}. Источник: {escape(img.credit)}.</figcaption></figure>')
    body = "\n".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    mentions = "".join(f'<li><a href="/tag/{urlquote(m)}/">{escape(m)}</a></li>' for m in article.mentions)
    main = (
        f'<article class="news-item" data-id="{article.id}">\n'
        f'<h1 class="news-title">{escape(article.title)}</h1>\n'
        f'<div class="news-meta"><span class="news-date">{escape(date)}</span> '
        f'<a class="news-rubric" href="/rubric/{article.section.slug}/">{article.section.name}</a> {author}\n'
        f'<ul class="news-counters"><li class="views" title="Просмотры">{views_text}</li>'
        f'<li class="comments-count" title="Комментарии">{count}</li>'
        f'<li class="rating" title="Рейтинг">{display.rating_text(article.rating, article.style)}</li></ul></div>\n'
        f'{figure}\n<div class="news-text">\n{body}\n</div>\n'
        f'<div class="news-rights"><span>Права на данный материал принадлежат</span> '
        f'<a class="rights-holder" href="/source/">{escape(article.rights_holder)}</a>'
        f'<p class="rights-note">{escape(article.rights_note)}</p></div>\n'
        f'<ul class="news-mentions"><li class="title">В новости упоминаются</li>{mentions}</ul>\n'
        f'</article>\n{comments_section(view, article, 1)}\n'
        '<div class="login-prompt">Хотите оставить комментарий? <a href="/register/">Зарегистрируйтесь</a> '
        'и/или <a href="/login/">Войдите</a> и общайтесь!</div>'
    )
    return page(view, article.title, main, head=head, charset=charset(article), broken=article.broken_html)


def comment_page(view: View, article: Article, number: int) -> str:
    main = (f'<h1 class="news-title"><a href="{article.path}">{escape(article.title)}</a></h1>\n'
            f'<h2>Комментарии, страница {number}</h2>\n{comments_section(view, article, number)}')
    return page(view, f"Комментарии: {article.title}", main, charset=charset(article))


def charset(article: Article) -> str | None:
    return {"utf-8": "utf-8", "cp1251-meta": "windows-1251", "cp1251-header": None}[article.encoding]


def listing_page(view: View, articles: list[Article], base: str, number: int, pages: int, heading: str) -> str:
    rows = "\n".join(
        f'<div class="news-list-item"><a class="news-link" href="{a.path}">{escape(a.title)}</a> '
        f'<span class="date">{escape(display.date_text(a.published_at, view.now, a.style))}</span> '
        f'<span class="comments">{len(view.comments(a))}</span></div>'
        for a in articles
    )
    nav = ""
    if number > 1:
        nav += f'<a class="prev" href="{base}?page={number - 1}">Предыдущая</a> '
    if number < pages:
        nav += f'<a class="next" href="{base}?page={number + 1}">Следующая</a>'
    main = f'<h1>{escape(heading)}</h1>\n<div class="news-list">\n{rows}\n</div>\n<div class="pagination">{nav}</div>'
    return page(view, heading, main)


def home_page(view: View) -> str:
    return page(view, "Главная", '<h1>Новости ВПК</h1><a href="/news/">Все новости</a>')


def sitemap(view: View, base_url: str) -> str:
    urls = "\n".join(f"<url><loc>{base_url}{a.path}</loc></url>" for a in view.articles)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}\n</urlset>\n')


ROBOTS = "User-agent: *\nDisallow: /login/\nDisallow: /search/\nDisallow: /register/\n"
