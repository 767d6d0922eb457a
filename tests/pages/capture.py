"""Store replica pages under tests/pages/vpk/ with the expected output beside each.

    python -m tests.pages.capture

The expected output comes from the replica's ground truth, never from the crawler. After a
redesign of the site, store real pages here by hand with their expected JSON, in the same form.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.replica.server import Site
from tests.replica.truth import article_record, comment_records
from tests.replica.world import build_world

HERE = Path(__file__).parent / "vpk"
BASE = "https://vpk.name"


def store(name: str, site: Site, path: str, expected: dict) -> None:
    response, _ = site.respond(path, "vpk.name")
    (HERE / f"{name}.html").write_bytes(response.body)
    meta = {"url": BASE + path, "headers": {"Content-Type": response.content_type, "Date": site.date_header},
            **expected}
    (HERE / f"{name}.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    world = build_world()
    view = world.view(world.now(0))
    site = Site(view)
    HERE.mkdir(parents=True, exist_ok=True)
    for old in HERE.glob("*.*"):  # a new capture replaces the old one whole
        old.unlink()

    def article_expected(article, page: int = 1) -> dict:
        comments = [c for c in comment_records(view, article, BASE)
                    if c["page_url"] == BASE + article.comment_page_path(page) and not article.js_comments]
        return {"article": article_record(view, article, BASE) if page == 1 else None, "comments": comments,
                "comment_page_urls": [BASE + article.comment_page_path(n)
                                      for n in range(2, len(view.comment_pages(article)) + 1)]
                if not article.js_comments else [],
                "needs_browser": article.js_comments and bool(view.comments(article))}

    def date_of(article) -> str:
        return article.published_at.date().isoformat()

    seed = world.by_id["232118"]
    store(f"article_{date_of(seed)}_seed", site, seed.path, article_expected(seed))
    visible = view.articles
    cp1251 = next(a for a in visible if a.encoding == "cp1251-header" and any(c.quote for c in view.comments(a)))
    store(f"article_{date_of(cp1251)}_cp1251_quotes", site, cp1251.path, article_expected(cp1251))
    meta_only = next(a for a in visible if a.encoding == "cp1251-meta" and view.comments(a))
    store(f"article_{date_of(meta_only)}_cp1251_meta", site, meta_only.path, article_expected(meta_only))
    nested = next(a for a in visible if not a.js_comments and any(
        c.quote and c.quote.nested for c in view.comment_pages(a)[-1]) and len(view.comment_pages(a)) > 1)
    last = len(view.comment_pages(nested))
    store(f"comments_{date_of(nested)}_page{last}_nested_quotes", site, nested.comment_page_path(last),
          article_expected(nested, last))
    js = next(a for a in visible if a.js_comments and view.comments(a))
    store(f"article_{date_of(js)}_js_comments", site, js.path, article_expected(js))
    plain = next(a for a in visible if a.image is None and a.author and a.views_at(view.now) >= 10_000)
    store(f"article_{date_of(plain)}_no_image_thousands", site, plain.path, article_expected(plain))
    listed = visible[:20]
    store("listing_2018-09-16_page1", site, "/news/", {
        "listed_articles": [{"url": BASE + a.path, "article_id": a.id, "comments": len(view.comments(a))}
                            for a in listed],
        "next_page_url": BASE + "/news/?page=2",
        "discussed_articles": [{"url": BASE + a.short_path + "?utm_source=discussed", "article_id": a.id,
                                "comments": len(view.comments(a))} for a in view.discussed]})


if __name__ == "__main__":
    main()
