"""What Datasette shows about the archive: titles and column descriptions taken from the build's
data package (one owner: ``newscrawl.archive.dataset.DESCRIPTIONS``), the full-text tables it
searches, and the canned queries researchers ask first.

Every canned query is one indexed lookup or reads a summary ``archive.sqlite`` precomputed, so
each answers within Datasette's ``sql_time_limit_ms`` at archive scale (``make bench-dataset``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from newscrawl.archive import archivedb
from newscrawl.browse.plugin import DATABASE

TIME_LIMIT_MS = 1000  # Datasette's default, kept: the bench holds every canned query to it

# An empty filter (the form's default) filters nothing. Their SQL is hidden until asked for
# ("Show SQL"): a journalist reads the title, the description and the form.
QUERIES: dict[str, dict[str, Any]] = {
    "everything": {
        "title": "Search the archive",
        "description": "Comments and articles at once, every form of each word (россия finds России, Россией); "
                       "word* for a prefix. Ranked, the words found marked; each result links to its place in "
                       "its thread.",
        "sql": "SELECT kind, place, author, date, matched, quote_matched FROM (SELECT * FROM (\n"
               "  SELECT 'comment' AS kind, c.article_id || '#c' || c.comment_id AS place, c.author, c.posted_at AS date,\n"
               "    russian_highlight(c.text, :q) AS matched, russian_highlight(c.quote_text, :q) AS quote_matched,\n"
               "    comments_fts.rank AS rank FROM comments_fts JOIN comments c ON c.rowid = comments_fts.rowid\n"
               "  WHERE comments_fts MATCH russian_query(:q) ORDER BY comments_fts.rank LIMIT 100)\n"
               "UNION ALL SELECT * FROM (\n"
               "  SELECT 'article', a.article_id, a.author, a.published_at, russian_highlight(a.title, :q), NULL,\n"
               "    articles_fts.rank FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid\n"
               "  WHERE articles_fts MATCH russian_query(:q) ORDER BY articles_fts.rank LIMIT 100))\n"
               "ORDER BY rank",
    },
    "search": {
        "title": "Search comments",
        "description": "Every form of each word (танк finds танки, танками); word* for a prefix; function "
                       "words (и, на, не…) are not indexed. Ranked by relevance; author and dates optional "
                       "(as 2018-09-15); the words found are marked.",
        # "+rank": ranked by SQLite after the filters, not by FTS5 before them (FTS5 would rank
        # every comment holding the word first); the words are marked in the rows shown only.
        "sql": "WITH found AS (\n"
               "  SELECT c.rowid AS id, comments_fts.rank AS rank FROM comments_fts\n"
               "    JOIN comments c ON c.rowid = comments_fts.rowid\n"
               "  WHERE comments_fts MATCH russian_query(:q)\n"
               "    AND (:author = '' OR c.author = :author)\n"
               "    AND (:since = '' OR c.posted_at >= :since) AND (:until = '' OR c.posted_at < :until)\n"
               "  ORDER BY +comments_fts.rank LIMIT 200)\n"
               "SELECT c.comment_id, c.article_id, a.title AS article, c.author, c.posted_at,\n"
               "  russian_highlight(c.text, :q) AS matched, russian_highlight(c.quote_text, :q) AS quote_matched\n"
               "FROM found JOIN comments c ON c.rowid = found.id LEFT JOIN articles a ON a.article_id = c.article_id\n"
               "ORDER BY found.rank",
    },
    "search_articles": {
        "title": "Search articles",
        "description": "Titles and bodies, every form of each word, ranked; dates optional.",
        "sql": "WITH found AS (\n"
               "  SELECT a.rowid AS id, articles_fts.rank AS rank FROM articles_fts\n"
               "    JOIN articles a ON a.rowid = articles_fts.rowid\n"
               "  WHERE articles_fts MATCH russian_query(:q)\n"
               "    AND (:since = '' OR a.published_at >= :since) AND (:until = '' OR a.published_at < :until)\n"
               "  ORDER BY +articles_fts.rank LIMIT 200)\n"
               "SELECT a.article_id, a.published_at, a.section, russian_highlight(a.title, :q) AS matched\n"
               "FROM found JOIN articles a ON a.rowid = found.id ORDER BY found.rank",
    },
    "thread": {
        "title": "An article with its thread",
        "description": "The comments under one article in their order, each quote with the comment it quotes.",
        "sql": "SELECT c.number, c.author, c.posted_at, c.text, c.quote_number, c.quote_comment_id,\n"
               "  q.author AS quoted_author, c.quote_of_article, c.deleted, c.comment_id\n"
               "FROM comments c LEFT JOIN comments q ON q.comment_id = c.quote_comment_id\n"
               "WHERE c.article_id = :article_id ORDER BY c.number",
    },
    "who_quotes_whom": {
        "title": "Who quotes whom",
        "description": "Pairs of authors by the quotes between them; an author (optional) in either role.",
        "sql": "SELECT quoting, quoted, quotes, articles, last_posted FROM quotes\n"
               "WHERE :author = '' OR quoting = :author OR quoted = :author ORDER BY quotes DESC LIMIT 500",
    },
    "most_active_commenters": {
        "title": "Most active commenters",
        "description": "Authors by comments archived; active since a day (optional).",
        "sql": "SELECT author, comments, articles, first_posted, last_posted FROM commenters\n"
               "WHERE :since = '' OR last_posted >= :since ORDER BY comments DESC LIMIT 500",
    },
    "comments_per_day": {
        "title": "Comments per day",
        "description": "With a chart below the table. Dates optional.",
        "sql": "SELECT day, comments FROM comments_per_day\n"
               "WHERE (:since = '' OR day >= :since) AND (:until = '' OR day < :until) ORDER BY day",
    },
    "article_over_time": {
        "title": "An article's views and comments over time",
        "description": "Each archived version of one article: when it was crawled, its views and comment counter.",
        "sql": "SELECT crawled_at, version, views, comments_count, rating, run_id FROM history_articles\n"
               "WHERE article_id = :article_id ORDER BY crawled_at",
    },
    "deleted_and_edited": {
        "title": "Deleted and edited comments",
        "description": "With how each was removed (gone from its thread, or moderated: a placeholder in its place), "
                       "its last text and how many versions the archive holds; an author (optional).",
        "sql": "SELECT comment_id, article_id, author, posted_at, deleted, removal, removal_notice, deleted_at, "
               "versions, last_text\n"
               "FROM deleted_and_edited WHERE :author = '' OR author = :author ORDER BY posted_at DESC LIMIT 1000",
    },
}
TABLE_TITLES = {"articles": "Articles", "comments": "Comments", "history_articles": "Every version of the articles",
                "history_comments": "Every version of the comments"}
SEARCHED = {"articles": "articles_fts", "comments": "comments_fts"}
LABELS = {"articles": "title"}


def metadata(dataset: Path) -> dict[str, Any]:
    """Datasette's metadata for the build in ``dataset`` (its ``datapackage.json``)."""
    package = json.loads((dataset / "datapackage.json").read_text(encoding="utf-8"))
    tables: dict[str, dict[str, Any]] = {}
    for resource in package["resources"]:  # one a month or a run, each folder's describe one table
        *history, folder, _ = resource["path"].split("/")  # history/comments/day0.csv, comments.csv/2018-09.csv
        name = f"history_{folder}" if history else folder.removesuffix(".csv")
        tables.setdefault(name, {
            "title": TABLE_TITLES.get(name, name),
            "description": "Every version of every item, with the run it came from." if history
                           else "Each item at its latest version; a deleted comment keeps its last text.",
            "columns": {f["name"]: f["description"] for f in resource["schema"]["fields"]},
        })
    tables["comments"]["columns"]["quote_of_article"] = archivedb.DESCRIPTIONS["quote_of_article"]
    for name, fts in SEARCHED.items():
        tables[name].update(fts_table=fts, fts_pk="rowid")
        tables[fts] = {"hidden": True}
    for name, column in LABELS.items():
        tables[name]["label_column"] = column
    for name in (*archivedb.SUMMARIES, archivedb.RUNS):
        tables[name] = {"description": archivedb.DESCRIPTIONS[name]}
    return {
        "title": package.get("title", "newscrawl archive"),
        "description": f"Built {package.get('created', '')}. Search finds every form of a Russian word.",
        "databases": {DATABASE: {"tables": tables,
                                 "queries": {name: {**query, "hide_sql": True} for name, query in QUERIES.items()}}},
    }
