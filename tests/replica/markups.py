"""Markups the site may be redesigned into (``--markup NAME``, from ``--markup-from-day D``): the
same articles and comments, the same values, in another structure. Not renamed classes only:
other nesting and element kinds, fields in another order, numbers, dates and counters written
another way, labels around values. ``bare`` has no JSON-LD, meta, canonical link or data-ids.

Each markup renders the listing, the article page and the comment pages; the chrome (header,
sidebar, footer) and the URLs stay the site's (``render.page``).
"""

from __future__ import annotations

from html import escape

from tests.replica import display, render
from tests.replica.world import Article, Comment, Quote, View

MONTHS = display.MONTHS_GENITIVE


def _date(name: str, comment_or_article: Comment | Article, view: View) -> str:
    moment = comment_or_article.posted_at if isinstance(comment_or_article, Comment) else comment_or_article.published_at
    if name == "bare":  # numbers only, a comma before the time
        return f"{moment:%d.%m.%Y}, {moment:%H:%M}"
    if name == "forum":  # the month in words, "в" before the time
        return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} в {moment:%H:%M}"
    style = comment_or_article.date_style if isinstance(comment_or_article, Comment) else comment_or_article.style
    return display.date_text(moment, view.now, style)


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{'<br>'.join(escape(line) for line in part.split(chr(10)))}</p>"
                   for part in text.split("\n\n") if part.strip())


# --- cards: HTML5 elements, labels on every counter, the comments an ordered list -------------------

def _cards_quote(quote: Quote) -> str:
    number = f" · №{quote.number}" if quote.number else ""
    nested = _cards_quote(quote.nested) if quote.nested else ""
    return (f'<aside class="cite"><header class="cite-who">{escape(quote.author)}{number}</header>'
            f'<div class="cite-body">{nested}{_paragraphs(quote.text)}</div></aside>')


def _cards_comment(comment: Comment, view: View) -> str:
    ident = f' id="r{comment.site_id}"' if comment.site_id else ""
    quote = _cards_quote(comment.quote) if comment.quote else ""
    return (f'<li class="reply"{ident}><header class="reply-head"><b class="who">{escape(comment.author)}</b> '
            f'<a class="no" href="#r{comment.site_id or comment.number}">#{comment.number}</a> '
            f'<time class="when">{escape(_date("cards", comment, view))}</time></header>'
            f'<div class="reply-text">{quote}{_paragraphs(comment.text_at(view.now))}</div>'
            f'<footer class="reply-foot">Оценка: {display.rating_text(comment.rating, 0.9)}</footer></li>')


def _cards_comments(view: View, article: Article, page: int) -> str:
    pages = view.comment_pages(article)
    items = "".join(_cards_comment(c, view) for c in pages[page - 1])
    links = "".join(f'<a class="pg" href="{article.comment_page_path(n)}">{n}</a>' if n != page
                    else f"<em>{n}</em>" for n in range(1, len(pages) + 1)) if len(pages) > 1 else ""
    return (f'<div class="discussion"><h3>Обсуждение ({len(view.comments(article))})</h3>'
            f'<ol class="replies">{items}</ol><div class="pager">{links}</div></div>')


def _cards_article(view: View, article: Article) -> str:
    views, _ = display.count_text(article.views_at(view.now), article.style)
    image = article.image
    figure = (f'<div class="photo"><img src="{image.path}" alt="{escape(image.alt)}"><p class="photo-caption">'
              f'{escape(image.caption)}</p><p class="photo-credit">Фото: {escape(image.credit)}</p></div>') if image else ""
    author = f'<span class="byline">Текст: {escape(article.author)}</span>' if article.author else ""
    mentions = "".join(f'<a class="tag" href="/tag/{m}/">{escape(m)}</a>' for m in article.mentions)
    return (f'<div class="post"><div class="post-meta"><a class="rubric" href="/rubric/{article.section.slug}/">'
            f'{article.section.name}</a> <time class="when">{escape(_date("cards", article, view))}</time> {author}</div>'
            f'<h1 class="headline">{escape(article.title)}</h1>{figure}'
            f'<div class="post-body">{"".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)}</div>'
            f'<div class="stats"><span>Просмотров: {views}</span> <span>Комментариев: {len(view.comments(article))}</span>'
            f' <span>Рейтинг: {display.rating_text(article.rating, article.style)}</span></div>'
            f'<div class="tags">{mentions}</div><div class="source">Источник: <b>{escape(article.rights_holder)}</b>'
            f'<small>{escape(article.rights_note)}</small></div></div>')


def _cards_listing(view: View, articles: list[Article], base: str, number: int, pages: int) -> str:
    cards = "".join(
        f'<article class="card"><h2><a href="{a.path}">{escape(a.title)}</a></h2><footer>'
        f'<time>{escape(_date("cards", a, view))}</time> · <span>Комментариев: {len(view.comments(a))}</span>'
        f'</footer></article>' for a in articles)
    more = f'<nav class="more"><a rel="next" href="{base}?page={number + 1}">Ещё новости</a></nav>' if number < pages else ""
    return f'<section class="feed">{cards}</section>{more}'


# --- forum: tables, fields with no class, the number and date in cells of their own -----------------

def _forum_quote(quote: Quote) -> str:
    nested = _forum_quote(quote.nested) if quote.nested else ""
    number = f"<sup>{quote.number}</sup>" if quote.number else ""
    return (f'<table class="q"><tr><td><u>{escape(quote.author)}</u>{number} писал(а):</td></tr>'
            f'<tr><td>{nested}{_paragraphs(quote.text)}</td></tr></table>')


def _forum_comment(comment: Comment, view: View) -> str:
    ident = f' id="m{comment.site_id}"' if comment.site_id else ""
    quote = _forum_quote(comment.quote) if comment.quote else ""
    return (f'<tr{ident}><td><strong>{escape(comment.author)}</strong><br><small>Сообщение {comment.number}</small>'
            f'<br><small>{escape(_date("forum", comment, view))}</small></td>'
            f'<td>{quote}<div>{_paragraphs(comment.text_at(view.now))}</div>'
            f'<p>{display.rating_text(comment.rating, 0.1)} за сообщение</p></td></tr>')


def _forum_comments(view: View, article: Article, page: int) -> str:
    pages = view.comment_pages(article)
    rows = "".join(_forum_comment(c, view) for c in pages[page - 1])
    links = " | ".join(f'<a href="{article.comment_page_path(n)}">Стр. {n}</a>' for n in range(1, len(pages) + 1)
                       if n != page) if len(pages) > 1 else ""
    return f'<div id="forum"><table class="messages">{rows}</table><p>{links}</p></div>'


def _forum_article(view: View, article: Article) -> str:
    views, _ = display.count_text(article.views_at(view.now), article.style)
    image = article.image
    figure = (f'<tr><td><img src="{image.path}" alt="{escape(image.alt)}"><br><i>{escape(image.caption)}</i>'
              f' (<span>{escape(image.credit)}</span>)</td></tr>') if image else ""
    mentions = ", ".join(f'<a href="/tag/{m}/">{escape(m)}</a>' for m in article.mentions)
    return (f'<table class="news"><tr><td><h2>{escape(article.title)}</h2></td></tr>'
            f'<tr><td>{escape(_date("forum", article, view))} | {article.section.name}'
            f'{" | <cite>" + escape(article.author) + "</cite>" if article.author else ""}</td></tr>{figure}'
            f'<tr><td>{"".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)}</td></tr>'
            f'<tr><td>Упомянуты: <span>{mentions}</span></td></tr>'
            f'<tr><td>Права: <em>{escape(article.rights_holder)}</em><br><q>{escape(article.rights_note)}</q></td></tr>'
            f'<tr><td>{views} просмотров, {len(view.comments(article))} комментариев, '
            f'рейтинг {display.rating_text(article.rating, article.style)}</td></tr></table>')


# --- bare: no JSON-LD, meta, canonical link or data-ids; numbers and dates as plain as they come -----

def _bare_comment(comment: Comment, view: View) -> str:
    ident = f' id="c{comment.site_id}"' if comment.site_id else ""
    quote = ""
    if comment.quote:
        q = comment.quote
        quote = (f'<blockquote><span class="qa">{escape(q.author)}</span>{f" <i>({q.number})</i>" if q.number else ""}:'
                 f'<div class="qt">{_bare_quote_text(q)}</div></blockquote>')
    return (f'<div class="c"{ident}><span class="n">{comment.number}.</span> <span class="a">{escape(comment.author)}</span>'
            f' <span class="t">{escape(_date("bare", comment, view))}</span> <span class="r">[{comment.rating}]</span>'
            f'<div class="x">{quote}{_paragraphs(comment.text_at(view.now))}</div></div>')


def _bare_quote_text(quote: Quote) -> str:
    nested = ""
    if quote.nested:
        nested = (f'<blockquote><span class="qa">{escape(quote.nested.author)}</span>:'
                  f'<div class="qt">{_bare_quote_text(quote.nested)}</div></blockquote>')
    return nested + _paragraphs(quote.text)


def _bare_comments(view: View, article: Article, page: int) -> str:
    pages = view.comment_pages(article)
    items = "".join(_bare_comment(c, view) for c in pages[page - 1])
    links = "".join(f' <a href="{article.comment_page_path(n)}">[{n}]</a>' for n in range(1, len(pages) + 1)
                    if n != page) if len(pages) > 1 else ""
    return f'<div class="cs">{items}</div><div class="cp">{links}</div>'


def _bare_article(view: View, article: Article) -> str:
    views, _ = display.count_text(article.views_at(view.now), article.style)
    image = article.image
    figure = (f'<div class="i"><img src="{image.path}" alt="{escape(image.alt)}"><div class="ic">{escape(image.caption)}'
              f' / {escape(image.credit)}</div></div>') if image else ""
    return (f'<div class="e"><span class="d">{escape(_date("bare", article, view))}</span>'
            f'<span class="s">{article.section.name}</span><h1><a href="{article.path}">{escape(article.title)}</a></h1>'
            f'{f"<span class=au>{escape(article.author)}</span>" if article.author else ""}{figure}'
            f'<div class="b">{"".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)}</div>'
            f'<ul class="m">{"".join(f"<li>{escape(m)}</li>" for m in article.mentions)}</ul>'
            f'<div class="rh">{escape(article.rights_holder)}</div><div class="rn">{escape(article.rights_note)}</div>'
            f'<div class="k"><span class="v">{views}</span> / <span class="cc">{len(view.comments(article))}</span>'
            f' / <span class="rt">{display.rating_text(article.rating, 0.9)}</span></div></div>')


def _bare_listing(view: View, articles: list[Article], base: str, number: int, pages: int) -> str:
    rows = "".join(f'<tr><td><a href="{a.path}">{escape(a.title)}</a></td><td>{len(view.comments(a))}</td></tr>'
                   for a in articles)
    more = "".join(f'<a href="{base}?page={n}">{n}</a> ' for n in range(1, pages + 1) if n != number)
    return f'<table class="l">{rows}</table><div class="pp">{more}</div>'


MARKUPS = {
    "cards": (_cards_article, _cards_comments, _cards_listing),
    "forum": (_forum_article, _forum_comments, None),  # the listing keeps its old markup
    "bare": (_bare_article, _bare_comments, _bare_listing),
}
HEADLESS = frozenset({"bare"})  # no JSON-LD, meta or canonical link in the <head>


def article_page(view: View, article: Article, name: str) -> str:
    article_html, comments_html, _ = MARKUPS[name]
    head = "" if name in HEADLESS else (f'<link rel="canonical" href="{article.path}">\n'
                                        f'<script type="application/ld+json">{render.json_ld(article)}</script>\n')
    main = f"{article_html(view, article)}\n{comments_html(view, article, 1)}"
    return render.page(view, article.title, main, head=head, charset=render.charset(article))


def comment_page(view: View, article: Article, number: int, name: str) -> str:
    _, comments_html, _ = MARKUPS[name]
    main = (f'<h2><a href="{article.path}">{escape(article.title)}</a></h2><p>Страница {number}</p>'
            f'{comments_html(view, article, number)}')
    return render.page(view, f"Комментарии: {article.title}", main, charset=render.charset(article))


def listing_page(view: View, articles: list[Article], base: str, number: int, pages: int, heading: str,
                 name: str) -> str | None:
    listing = MARKUPS[name][2]
    if listing is None:
        return None
    return render.page(view, heading, f"<h1>{escape(heading)}</h1>{listing(view, articles, base, number, pages)}")
