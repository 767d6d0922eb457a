"""Russian full-text search that finds every form of a word: the index and the query stemmed alike.

SQLite's FTS5 folds Cyrillic case but has no Russian stemmer ("россия" misses "России"); a
tokenizer of our own would break every connection that did not register it (Datasette's, a
researcher's ``sqlite3``). So ``archive.sqlite`` indexes text already stemmed here (Snowball's
Russian stemmer, ``ё`` read as ``е``), with FTS5's stock tokenizer, and a query is stemmed the
same way before it is matched.

>>> stem_text("Россией и России")
'росс росс'
>>> stem_query('танками ёлк*')
'"танк" елк*'
>>> highlight("Танки <и> танкисты", "танк*")
'<mark>Танки</mark> &lt;и&gt; <mark>танкисты</mark>'
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"\w+(?:\*)?", re.UNICODE)
# Function words are neither indexed nor searched: Snowball's Russian stop list, as PostgreSQL's
# Russian text search uses it (tsearch_data/russian.stop). A word in most comments would make
# every ranked search read most of the index; it finds nothing a researcher looks for.
STOP_WORDS = frozenset("""
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было
    вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас
    нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их
    чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой
    совсем ним здесь этом один почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при
    наконец два об другой хоть после над больше тот через эти нас про всего них какая много разве три
    эту моя впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда конечно
    всю между
""".split())
_STEMMER = Stemmer.Stemmer("russian")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def stem_text(text: str | None) -> str:
    """Every word of ``text`` as its stem, lower case, ``ё`` as ``е``."""
    if not text:
        return ""
    return " ".join(_stem(word) for word in _WORD.findall(text.lower().replace("ё", "е")) if word not in STOP_WORDS)


def stem_query(query: str) -> str:
    """A user's words as an FTS5 query over stemmed text: each word stemmed and quoted (so that no
    word is read as FTS syntax), all of them required but the stop words; ``word*`` stays a
    prefix, unstemmed."""
    terms = []
    for word in _WORD.findall(query.lower().replace("ё", "е")):
        if word in STOP_WORDS:
            continue
        terms.append(f"{word[:-1]}*" if word.endswith("*") else f'"{_stem(word)}"')
    return " ".join(terms) or '""'  # no word: a query that matches nothing, not an FTS5 syntax error


def highlight(text: str | None, query: str) -> str:
    """``text`` as HTML, each word that ``query`` finds in it (by stem, or by prefix for ``word*``)
    in ``<mark>``: the index holds stems, so FTS5's own ``highlight()`` would show stems."""
    if not text:
        return ""
    words = [word for word in _WORD.findall(query.lower().replace("ё", "е")) if word not in STOP_WORDS]
    stems = {_stem(word) for word in words if not word.endswith("*")}
    prefixes = tuple(word[:-1] for word in words if word.endswith("*"))
    out, end = [], 0
    for found in _WORD.finditer(text):
        word = found.group().lower().replace("ё", "е")
        if _stem(word) in stems or (prefixes and word.startswith(prefixes)):
            out += [html.escape(text[end:found.start()]), f"<mark>{html.escape(found.group())}</mark>"]
            end = found.end()
    return "".join(out) + html.escape(text[end:])
