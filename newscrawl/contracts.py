"""Scrapy contracts for the spider's callbacks, run by ``scrapy check vpk``.

``@page PATH`` is Scrapy's ``@url`` on the site under check: ``CHECK_SITE`` (the local replica
by default, ``-s CHECK_SITE=http://127.0.0.1:PORT`` for another port), so that the contracts
run where no machine reaches the real site, and against it where one does.
``@fields KIND NAME…`` checks that every article or comment a callback returns has those fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrapy.contracts import Contract
from scrapy.exceptions import ContractFail

from newscrawl.extract.items import Article, Comment

KINDS: dict[str, type] = {"article": Article, "comment": Comment}


class PageContract(Contract):
    """@page /news/ → the request goes to CHECK_SITE + /news/"""

    name = "page"

    def __init__(self, method: Callable[..., Any], *args: Any) -> None:
        super().__init__(method, *args)
        self.site = method.__self__.settings.get("CHECK_SITE").rstrip("/")  # type: ignore[attr-defined]

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        args["url"] = self.site + self.args[0]
        return args


class FieldsContract(Contract):
    """@fields article title body → every Article returned has a title and a body"""

    name = "fields"

    def post_process(self, output: list[Any]) -> None:
        kind, *names = self.args
        items = [item for item in output if isinstance(item, KINDS[kind]) and not getattr(item, "deleted", False)]
        if not items:
            raise ContractFail(f"no {kind} returned")
        for item in items:
            missing = [name for name in names if getattr(item, name) in (None, "", [])]
            if missing:
                raise ContractFail(f"{kind} {getattr(item, 'comment_id', None) or item.article_id} lacks {missing}")
