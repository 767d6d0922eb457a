"""newscrawl.contracts: ``@page`` on the site under check, ``@fields`` on every item returned."""

from __future__ import annotations

import pytest
from scrapy.exceptions import ContractFail

from newscrawl.contracts import FieldsContract, PageContract
from newscrawl.extract.items import Article, Comment
from tests.crawlers import project_crawler


class Checked:
    name = "vpk"
    settings = project_crawler(overrides={"CHECK_SITE": "http://127.0.0.1:8000/"}).settings

    def parse_article(self) -> None:
        """@page /news/1_a.html"""


def test_page_is_a_path_on_the_site_under_check() -> None:
    contract = PageContract(Checked().parse_article, "/news/1_a.html")
    assert contract.adjust_request_args({})["url"] == "http://127.0.0.1:8000/news/1_a.html"


@pytest.mark.parametrize(("output", "failure"), [
    ([Article(article_id="1", title="Заголовок", body="Текст")], None),
    ([Article(article_id="1", title="Заголовок", body="")], "article 1 lacks ['body']"),
    ([Comment(article_id="1", comment_id="c1")], "no article returned"),
    ([Article(article_id="1", title="Заголовок", body="Текст"), Article(article_id="2", title=None, body="x")],
     "article 2 lacks ['title']"),
])
def test_fields_names_the_item_and_what_it_lacks(output: list, failure: str | None) -> None:
    contract = FieldsContract(Checked().parse_article, "article", "title", "body")
    if failure is None:
        contract.post_process(output)
        return
    with pytest.raises(ContractFail, match=failure.replace("[", r"\[").replace("]", r"\]")):
        contract.post_process(output)
