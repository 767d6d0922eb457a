"""Rules: where one value stands in a page and how it is cut from what stands there, as data.

A learned site version (``newscrawl.pages.versions``) is a set of rules, one per field. A rule is
an XPath relative to a region of the page (the page, an article's block, one comment), then the
value: the element's text or one of its attributes, what stands after a label and before a tail
(Kushmerick's LR wrappers: "Просмотров: 1,4 тыс." is the views after "Просмотров: "), and parts
of the element that are not its text left out (a quote inside a comment's body).

Nothing here knows a site; the site's module names the fields, the learner writes the rules.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from newscrawl.pages.html import block_text, string_value


@dataclass(frozen=True)
class Rule:
    xpath: str  # relative to the region; the first element it finds gives the value (all, for a list)
    attribute: str | None = None  # the value is this attribute's, not the element's text
    after: str | None = None  # where the text holds this label, the value starts after its first one
    before: str | None = None  # where it holds this tail, the value ends before its last one
    leave_out: str | None = None  # an XPath, relative to the element, of parts that are not its text
    lines: bool = False  # the text keeps its lines (a comment's body), else it is one line
    after_last: bool = False  # the value starts after the last ``after``, not the first
    before_first: bool = False  # and ends before the first ``before``, not the last
    strict: bool = False  # a text without the labels shows no value ("Автор" with no "№": no number)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_found", etree.XPath(self.xpath, smart_strings=False))
        object.__setattr__(self, "_left_out", etree.XPath(self.leave_out) if self.leave_out else None)

    def elements(self, region: HtmlElement) -> list[HtmlElement]:
        return [e for e in self._found(region) if isinstance(e, etree._Element)]  # type: ignore[attr-defined]

    def element(self, region: HtmlElement) -> HtmlElement | None:
        found = self.elements(region)
        return found[0] if found else None

    def first(self, region: HtmlElement) -> str | None:
        found = self.element(region)
        return None if found is None else self.value(found)

    def all(self, region: HtmlElement) -> list[str]:
        return [v for v in (self.value(e) for e in self.elements(region)) if v]

    def value(self, element: HtmlElement) -> str | None:
        raw = element.get(self.attribute) if self.attribute else self.text(element)
        if self.strict and raw is not None and not all(label in raw for label in (self.after, self.before) if label):
            return None
        return cut(raw, self.after, self.before, self.after_last, self.before_first)

    def text(self, element: HtmlElement) -> str:
        if self._left_out is not None:  # type: ignore[attr-defined]
            return block_text(element, skip=frozenset(), omit=frozenset(self._left_out(element)))  # type: ignore[attr-defined]
        if self.lines:
            return block_text(element, skip=frozenset())
        return " ".join((string_value(element) or "").split())

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, False)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rule:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def cut(raw: str | None, after: str | None, before: str | None, after_last: bool = False,
        before_first: bool = False) -> str | None:
    """The value in ``raw``: what follows ``after`` and precedes ``before`` (by default the first
    ``after`` and the last ``before``), each only where the text holds it (a label shown on some
    pages and not on others).

    >>> cut("Просмотров: 1,4 тыс.", "Просмотров: ", None), cut("Цитата, Олег сообщ. №12", "Цитата, ", " сообщ. №")
    ('1,4 тыс.', 'Олег')
    >>> cut("Олег", "Цитата, ", " сообщ. №"), cut("  ", None, None), cut("a | b | c", " | ", None, after_last=True)
    ('Олег', None, 'c')
    """
    if raw is None:
        return None
    if after and after in raw:
        raw = raw.rsplit(after, 1)[1] if after_last else raw.split(after, 1)[1]
    if before and before in raw:
        raw = raw.split(before, 1)[0] if before_first else raw.rsplit(before, 1)[0]
    return raw.strip() or None
