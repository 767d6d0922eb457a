"""A small archive to browse: one run's records as newscrawl writes them (an article in three
paragraphs, a thread whose words come in several forms, a quote of a comment and one of the
article), built into a dataset with ``archive.sqlite`` by the real builder."""

from __future__ import annotations

from pathlib import Path

import pytest

from newscrawl.archive.dataset import Builder
from tests.conftest import write_run

ARTICLES = [
    {"article_id": "44001", "url": "https://vpk.name/news/44001_armeniya_poluchila_tanki.html",
     "title": "Армения получила танки Т-90", "published_at": "2018-09-14T10:00:00+03:00", "section": "Армия",
     "body": "Армения получила первую партию танков.\n\nПоставка завершится в 2019 году.\n\nТанкисты уже учатся.",
     "views": 1500, "comments_count": 4},
    {"article_id": "44002", "url": "https://vpk.name/news/44002_flot.html", "title": "Флот России пополнился",
     "published_at": "2018-09-15T12:00:00+03:00", "section": "Флот", "body": "Корвет вошёл в строй.",
     "views": 300, "comments_count": 1},
]
COMMENTS = [
    {"article_id": "44001", "comment_id": "9001", "number": 1, "author": "Ратник", "text": "Россия поставила танки?",
     "posted_at": "2018-09-14T11:00:00+03:00"},
    {"article_id": "44001", "comment_id": "9002", "number": 2, "author": "Скептик", "text": "Нет, это не Россией сделано.",
     "posted_at": "2018-09-14T11:30:00+03:00", "quote_number": 1, "quote_author": "Ратник",
     "quote_text": "Россия поставила танки?"},
    {"article_id": "44001", "comment_id": "9003", "number": 3, "author": "Ратник", "text": "Танкистам удачи в России.",
     "posted_at": "2018-09-15T08:00:00+03:00", "quote_text": "Танкисты уже учатся."},
    {"article_id": "44001", "comment_id": "9004", "number": 4, "author": "Гость", "text": "Ёлки, какие новости.",
     "posted_at": "2018-09-15T09:00:00+03:00"},
    {"article_id": "44002", "comment_id": "9005", "number": 1, "author": "Скептик", "text": "Про Россию опять.",
     "posted_at": "2018-09-15T13:00:00+03:00"},
]


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("browse")
    write_run(folder / "runs", "day0", "2018-09-16T09:00:00+00:00", ARTICLES, COMMENTS)
    Builder(folder / "runs", folder / "dataset", sqlite=True).build()
    return folder / "dataset"
