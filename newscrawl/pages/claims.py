"""What a comments page says about itself, whatever the site: the facts a comment walk checks
(``newscrawl.crawl.commentwalk``) before it believes the page. Each site's page module reads them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageEvidence:
    """What one comment page (page 1 is the article page) says about itself and its comments."""

    url: str
    has_block: bool  # the page holds a comments block at all (a challenge page does not)
    article_ids: frozenset[str]  # every claim on the page of whose thread this is
    current: int | None  # the page's own marker of which page it is; None: no marker (one page)
    declared: int | None  # the thread's total as the page declares it
    comments: tuple[tuple[str, int | None], ...]  # (comment id, №) in page order
    page_urls: tuple[str, ...]  # the links to the thread's other pages, in order (read on page 1 only)
    record_id: str | None = None  # the archived response (WARC-Record-ID) the page was read from
    # Whether the page shows the thread's total at all (a learned markup may show it on page 1
    # only): a page that does not is held to the total page 1 declared.
    declares: bool = True
