"""Learning a markup from values already known: where on a page does each known value stand?

Given pages (an article page, its comment pages, listing pages) and the records the archive
already holds for what they show, each field is found where its known value stands, compared as
the loaders would write it (a date "15 сентября 2018 в 10:25" equals the known ISO date, a
counter "1,4 тыс." equals 1400), and a rule (``newscrawl.pages.rules``) is derived: XPaths from
the element's classes, ids and position, tried on every example and kept only if it reads them
all back. Where the value stands inside a longer text, the labels around it are learned too
(an LR wrapper, as scrapely and autoscraper learned from annotated values).

The examples are ``Example(region, known, now)``; a field's rule is the candidate that reproduces
the most known values and gives no value where the known one is null. Nothing here knows a site:
the site module names the fields and their kinds (``Kind``).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from newscrawl.extract.normalize import clean_lines, collapse_spaces, parse_ru_count, parse_ru_datetime
from newscrawl.pages.html import string_value
from newscrawl.pages.rules import Rule


class Kind(Enum):
    TEXT = "text"  # one line of text
    LINES = "lines"  # text with its lines (a comment's body, a quote)
    DATE = "date"  # a date in any of the site's forms, known as ISO 8601
    COUNT = "count"  # a counter or a number
    LIST = "list"  # several elements, one value each (paragraphs, tags)
    URL = "url"  # an attribute holding a URL
    ATTRIBUTE = "attribute"  # an attribute's text (an image's alt)


@dataclass(frozen=True)
class Example:
    """One region of a page (the page, an article's block, a comment) and what it is known to show."""

    region: HtmlElement
    known: Any  # None: known to show nothing for this field
    now: datetime  # the page's fetch time, for relative dates
    base_url: str = ""


@dataclass
class Learned:
    rule: Rule | None
    reproduced: int  # known values read back exactly
    known: int  # examples with a known value
    wrong: int = 0  # values read where the known one differs (changed since, or wrong)
    plausible: int = 0  # a growing counter read a little above its known value
    ambiguous: int = 0  # examples where the rule finds more than one element and reads the first
    read: int = 0  # values read where one was known (accepted by the normalizer)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"reproduced": self.reproduced, "known": self.known, "read": self.read, "wrong": self.wrong,
                **({"plausible": self.plausible} if self.plausible else {}),
                **({"note": self.note} if self.note else {})}


# --- values as the loaders write them ------------------------------------------------------------

def normalized(kind: Kind, raw: Any, example: Example) -> Any:
    """``raw`` (a page's text or attribute, or a list of them) as the loaders would write it."""
    if raw is None:
        return None
    if kind is Kind.LIST:
        items = [collapse_spaces(item) for item in raw]
        return [item for item in items if item] or None
    if kind is Kind.LINES:
        return clean_lines(raw) or None
    if kind is Kind.DATE:
        parsed = parse_ru_datetime(collapse_spaces(raw), example.now)
        return parsed.isoformat() if parsed else None
    if kind is Kind.COUNT:
        return parse_ru_count(collapse_spaces(raw))
    if kind is Kind.URL:
        return urljoin(example.base_url, raw.strip())
    return collapse_spaces(raw) or None


def same(kind: Kind, value: Any, known: Any) -> bool:
    if kind is Kind.LIST and isinstance(known, str):  # a body, known as its paragraphs joined
        return value is not None and "\n\n".join(value) == known
    if kind is Kind.URL and isinstance(value, str) and isinstance(known, str):  # a record from another host (a mirror)
        return urlsplit(value)[2:] == urlsplit(known)[2:]
    return value == known


# --- where a known value stands --------------------------------------------------------------------

@dataclass(frozen=True)
class Spot:
    """An element that shows a known value: its text or an attribute, with the text around the value."""

    element: HtmlElement
    attribute: str | None = None
    left: str = ""
    right: str = ""
    leave_out: str | None = None


_ELEMENTS = etree.XPath("descendant-or-self::*")
_WORD_SPANS = re.compile(r"\S+")
_COUNT_TOKEN = re.compile(r"[+\-−]?\d[\d\s\u00a0\u2009.,]*(?:\s?(?:тыс|млн)\.?)?")
_SKIPPED_ATTRIBUTES = frozenset({"class", "style"})


def spots(example: Example, kind: Kind, grows: bool = False) -> list[Spot]:
    """Where in the region the known value stands: exact matches of a whole text or attribute
    first (the deepest element), else the value inside a longer text (with what is around it)."""
    exact, inside = [], []
    known = example.known
    if grows:  # a counter that only grows, known from an earlier run: as high or a little higher
        return sorted(_deepest([spot for element in _ELEMENTS(example.region) if isinstance(element.tag, str)
                                for spot in _grown(element, known, example)]), key=lambda s: len(s.left) + len(s.right))
    for element in _ELEMENTS(example.region):
        if not isinstance(element.tag, str) or element.tag in ("script", "style"):
            continue
        if kind is Kind.LINES:
            exact.extend(_lines_spots(element, known))
            continue
        if kind is Kind.LIST:
            continue
        for attribute, value in element.attrib.items():
            if attribute in _SKIPPED_ATTRIBUTES:
                continue
            if same(kind, normalized(kind, value, example), known):
                exact.append(Spot(element, attribute))
            elif kind is Kind.TEXT and str(known) in value:  # an id inside an attribute: id="r7000281"
                start = value.find(str(known))
                inside.append(Spot(element, attribute, value[:start], value[start + len(str(known)):]))
        if kind in (Kind.URL, Kind.ATTRIBUTE):
            continue
        text = " ".join((string_value(element) or "").split())
        if not text or len(text) > 4 * len(str(known)) + 200:
            continue
        whole = same(kind, normalized(kind, text, example), known)
        if whole:
            exact.append(Spot(element))
        if not whole or kind in (Kind.COUNT, Kind.DATE):  # "Alex77 · №5": a label tells the number apart
            inside.extend(Spot(element, None, left, right) for left, right in _inside(kind, text, known, example)
                          if left or right)
    if kind is Kind.LINES:  # a body and its one paragraph alike: which reads every comment, the scores say
        return exact
    inside = sorted(_deepest(inside), key=lambda spot: len(spot.left) + len(spot.right))  # the value most of its text
    if kind in (Kind.COUNT, Kind.DATE):
        return _deepest(exact) + inside
    return _deepest(exact) or inside


def _inside(kind: Kind, text: str, known: Any, example: Example) -> Iterator[tuple[str, str]]:
    """The (left, right) texts around each place the known value stands in ``text``."""
    if kind is Kind.TEXT:
        start = text.find(str(known))
        if start >= 0:
            yield text[:start], text[start + len(str(known)):]
    elif kind is Kind.COUNT:
        for match in _COUNT_TOKEN.finditer(text):
            if parse_ru_count(match[0].strip(" ,.")) == known:
                yield text[:match.start()], text[match.end():]
    elif kind is Kind.DATE:
        words = [m.span() for m in _WORD_SPANS.finditer(text)]
        for length in range(min(len(words), 8), 0, -1):
            for first in range(len(words) - length + 1):
                start, end = words[first][0], words[first + length - 1][1]
                if normalized(kind, text[start:end].strip(" ,|·"), example) == known:
                    yield text[:start], text[end:]
                    return


def _grown(element: HtmlElement, known: int, example: Example) -> Iterator[Spot]:
    text = " ".join((string_value(element) or "").split())
    if len(text) > 200:
        return
    for match in _COUNT_TOKEN.finditer(text):
        value = parse_ru_count(match[0].strip(" ,."))
        if value is not None and known <= value <= known * 1.5 + 100:
            yield Spot(element, None, text[:match.start()], text[match.end():])


def _lines_spots(element: HtmlElement, known: str) -> list[Spot]:
    """An element whose text, with its lines, is the known text, maybe once a part of it (a quote)
    is left out: each kind of element inside it is tried as that part."""
    flat, wanted = "".join((string_value(element) or "").split()), "".join(known.split())
    # Lines joined by <br> have no space between them; an element far longer than the text is a
    # thread or a page (a quote may stand beside the text, not pages of them).
    if wanted[:40] not in flat or len(flat) > 3 * len(wanted) + 1500:
        return []
    if clean_lines(Rule("self::*", lines=True).text(element)) == known:
        return [Spot(element)]
    found = []
    for part in {signature(e) for e in _ELEMENTS(element)[1:] if isinstance(e.tag, str)}:
        leave_out = f"descendant::{part}"
        if clean_lines(Rule("self::*", leave_out=leave_out).text(element)) == known:
            found.append(Spot(element, leave_out=leave_out))
    return found[:1]  # the first part that works: the outermost kind of element, in document order


def _deepest(found: list[Spot]) -> list[Spot]:
    """Of nested elements showing the same value, the innermost: its selector says the most."""
    elements = {id(s.element) for s in found}
    return [s for s in found if not any(id(d) in elements for d in _ELEMENTS(s.element)[1:])
            or s.attribute is not None]


# --- rules from spots ------------------------------------------------------------------------------

def _class_test(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def signature(element: HtmlElement) -> str:
    """The element's tag and first class: what repeated blocks of the same kind share."""
    classes = (element.get("class") or "").split()
    return f"{element.tag}[{_class_test(classes[0])}]" if classes else str(element.tag)


def _step(element: HtmlElement) -> str:
    parent = element.getparent()
    same_tag = [c for c in parent if c.tag == element.tag] if parent is not None else [element]
    return f"{element.tag}[{same_tag.index(element) + 1}]" if len(same_tag) > 1 else str(element.tag)


def selectors(element: HtmlElement, region: HtmlElement) -> Iterator[str]:
    """XPaths from ``region`` to ``element``, those that outlive small changes first: its classes,
    its id, an attribute naming its role; then a path from the nearest ancestor with a class;
    then its position under the region."""
    if element is region:
        yield "self::*"
        return
    tag = element.tag
    for name in (element.get("class") or "").split():
        yield f"descendant::{tag}[{_class_test(name)}]"
    for attribute in ("itemprop", "rel", "role", "name"):
        if element.get(attribute):
            yield f"descendant::{tag}[@{attribute}='{element.get(attribute)}']"
    identifier = element.get("id")
    if identifier and not re.search(r"\d", identifier):
        yield f"descendant::{tag}[@id='{identifier}']"
    path, node = [], element
    while node is not None and node is not region:
        path.insert(0, _step(node))
        parent = node.getparent()
        if parent is not None and parent is not region and (parent.get("class") or "").split():
            yield f"descendant::{signature(parent)}/{'/'.join(path)}"
        node = parent
    if node is region:
        yield "./" + "/".join(path)
    yield f"descendant::{tag}"


def _agreement(one: Spot, other: Spot) -> int:
    """How much of the text around two values is the same: the labels they share."""
    before = os.path.commonprefix([one.left.strip()[::-1], other.left.strip()[::-1]])
    return len(before.strip()) + len(os.path.commonprefix([one.right.strip(), other.right.strip()]).strip())


def _whole(spot: Spot) -> str:
    raw = spot.element.get(spot.attribute) if spot.attribute else string_value(spot.element)
    return " ".join((raw or "").split())


def _by_label(element: HtmlElement, label: str) -> Iterator[str]:
    """The element as the one of its kind whose text holds a label with words ("просмотров"),
    where nothing else in the markup tells it apart."""
    words = label.strip(" ,.:;|·—-()[]#№")
    if re.search(r"[^\W\d_]{3}", words) and "'" not in words:
        yield f"descendant::{element.tag}[contains(normalize-space(.), '{words}')]"


def _labels(texts: Iterable[str], suffix: bool) -> str | None:
    """The label common to texts (their common end for the text before a value, their common
    start for the text after it), without the digits of a value next to it."""
    texts = [t.strip() for t in texts if t.strip()]  # "1,4 тыс. просмотров" and "1 108 просмотров" alike
    if not texts:
        return None
    if len(texts) < 3:  # too few to tell a label from the values beside it: the word next to the value
        texts = [t.split()[-1] if suffix else t.split()[0] for t in texts]
    common = os.path.commonprefix([t[::-1] if suffix else t for t in texts])
    common = common[::-1] if suffix else common
    # A label holds no number: what stands past one is another value (with one example, or with
    # values that happen to agree, the common text runs on into it).
    common = re.split(r"\d", common)[-1] if suffix else re.split(r"\d", common)[0]
    common = common.lstrip(" +-−") if suffix else common.rstrip(" +-−")  # a sign is the value's
    return common if common.strip() else None


@dataclass
class FieldLearner:
    """Learns one field's rule from its examples."""

    name: str
    kind: Kind
    examples: list[Example]
    volatile: bool = False  # a counter that moves between runs: known values may be out of date
    grows: bool = False  # and only grows (views): a value a little above the known one is plausible
    candidates: dict[Rule, None] = field(default_factory=dict)
    _found: dict[tuple[int, bool], list[Spot]] = field(default_factory=dict, repr=False)

    def learn(self, sample: int = 12) -> Learned:
        known = [e for e in self.examples if e.known not in (None, "", [])]
        if not known:
            return Learned(None, 0, 0, note="no known value on these pages")
        for example in known[:sample]:
            for rule in self._rules(example, known):
                self.candidates.setdefault(rule, None)
        ranked = self.ranked()
        best = ranked[0] if ranked else None
        if best is None or best.rule is None or not best.reproduced + best.plausible:
            return Learned(None, 0, len(known), note="no element shows the known values")
        return best

    def _spots(self, example: Example, grows: bool = False) -> list[Spot]:
        """``spots``, once per example: the labels of each place are compared with every example's."""
        key = (id(example), grows)
        if key not in self._found:
            self._found[key] = spots(example, self.kind, grows=grows)
        return self._found[key]

    def ranked(self) -> list[Learned]:
        """Every candidate scored, the best first (``_rank``)."""
        if not hasattr(self, "_ranked"):
            self._ranked = sorted((self.score(rule) for rule in self.candidates), key=_rank, reverse=True)
        return self._ranked

    def _rules(self, example: Example, known: list[Example]) -> Iterator[Rule]:
        if self.kind is Kind.LIST:
            yield from self._list_rules(example)
            return
        found = self._spots(example)[:8]
        for spot in found + (self._spots(example, grows=True)[:8] if self.grows else []):
            labels: list[dict[str, Any]] = [{}]
            xpaths = list(selectors(spot.element, example.region))
            if spot.left or spot.right:  # the labels around the value, from every example alike
                after, before, strict = self._labels_around(spot, known)
                labels = [{"after": after, "before": before, "strict": strict, "after_last": last, "before_first": first}
                          for last in ((False, True) if after else (False,)) for first in ((False, True) if before else (False,))]
                xpaths += [xpath for label in (after, before) if label for xpath in _by_label(spot.element, label)]
            for xpath in xpaths:
                for label in labels:
                    yield Rule(xpath, attribute=spot.attribute, leave_out=spot.leave_out, lines=self.kind is Kind.LINES,
                               **label)

    def _labels_around(self, spot: Spot, known: list[Example]) -> tuple[str | None, str | None, bool]:
        """The labels before and after the value, common to the examples; strict where every
        example's text holds them (then a text without them shows no value)."""
        lefts, rights, wholes = [spot.left], [spot.right], [_whole(spot)]
        for example in known[:40]:  # in each example, the place most like this one (a value may stand twice)
            places = self._spots(example) + (self._spots(example, grows=True) if self.grows else [])
            alike = [other for other in places if signature(other.element) == signature(spot.element)]
            other = max(alike, key=lambda o: _agreement(o, spot), default=None)
            # An example whose value stands nowhere alike (a counter that went down) says nothing of the labels.
            whole = other is not None and not (other.left.strip() or other.right.strip())  # shown without labels
            if other is not None and (whole or _agreement(other, spot) > 0):
                lefts.append(other.left)
                rights.append(other.right)
                wholes.append(_whole(other))
        after, before = _labels(lefts, suffix=True), _labels(rights, suffix=False)
        strict = all(label.strip() in whole for label in (after, before) if label for whole in wholes)
        return after, before, strict

    def _list_rules(self, example: Example) -> Iterator[Rule]:
        """Elements whose texts, in order, are the known list: their container and their kind."""
        wanted = example.known.split("\n\n") if isinstance(example.known, str) else list(example.known)
        for element in _ELEMENTS(example.region):
            if not isinstance(element.tag, str):
                continue
            kids = [c for c in element.iter() if c is not element and isinstance(c.tag, str)
                    and collapse_spaces(string_value(c) or "") == collapse_spaces(wanted[0])]
            for kid in kids[:2]:
                for container in selectors(element, example.region):
                    for step in (f"{container}/{kid.tag}", f"{container}//{kid.tag}"):
                        yield Rule(step)

    def score(self, rule: Rule) -> Learned:
        reproduced = wrong = read = known = plausible = ambiguous = 0
        for example in self.examples:
            if self.kind is Kind.LIST:
                raw: Any = rule.all(example.region)
            else:
                found = rule.elements(example.region)
                ambiguous += len(found) > 1
                raw = rule.value(found[0]) if found else None
            value = normalized(self.kind, raw, example)
            if example.known in (None, "", []):
                # a value where none is known, or a text the normalizer refuses (logged as unparsed)
                if (value not in (None, "", []) and not self.volatile) or (value is None and raw):
                    wrong += 1
                continue
            known += 1
            if same(self.kind, value, example.known):
                reproduced += 1
                read += 1
            elif value is not None:
                read += 1
                if self.grows and example.known <= value <= example.known * 1.5 + 100:
                    plausible += 1
                else:
                    wrong += 1
        return Learned(rule, reproduced, known, wrong=wrong, read=read, plausible=plausible, ambiguous=ambiguous)


def _rank(learned: Learned) -> tuple[int, int, bool, int, int, int]:
    """Of rules that read as many known values back, the one that says the most about the element
    and least about the page around it: one that finds one element (not "the first <span>", which
    is another field's where this one is missing), an id attribute (an id in a link may be a
    number), a class, then an attribute or a label in its text, then its tag alone; then the
    fewest steps."""
    xpath = learned.rule.xpath if learned.rule else ""
    attribute = learned.rule.attribute or "" if learned.rule else ""
    sturdy = 4 if attribute == "id" or attribute.startswith("data-") else 3 if "@class" in xpath else (
        2 if "[@" in xpath or "contains(normalize-space(.)" in xpath else 0 if re.search(r"\[\d+\]", xpath) else 1)
    return (learned.reproduced + learned.plausible, -learned.wrong, not learned.ambiguous, sturdy, -xpath.count("/"),
            -len(xpath))


def accepted(learned: Learned, volatile: bool) -> bool:
    """Whether a learned rule may be kept: it reads every known value back and no value where none
    is known, or, for a counter that moves between runs, reads every one as a counter and some
    exactly."""
    if learned.rule is None:
        return False
    if volatile:  # plausible alone, from fewer than three pages, may be any number near it (a date's day)
        return learned.read == learned.known and (learned.reproduced > 0 or learned.plausible >= 3)
    return learned.reproduced == learned.known and learned.wrong == 0


# --- repeated blocks: listing items, comments ------------------------------------------------------

def unit_of(element: HtmlElement, others: list[HtmlElement]) -> HtmlElement:
    """The largest block around ``element`` that holds none of ``others``: one item of a list."""
    node = element
    while True:
        parent = node.getparent()
        if parent is None or any(holds(parent, other) for other in others if other is not element):
            return node
        node = parent


def holds(ancestor: HtmlElement, element: HtmlElement) -> bool:
    """Whether ``element`` is ``ancestor`` or lies inside it."""
    node = element
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


def common_ancestor(elements: list[HtmlElement]) -> HtmlElement:
    ancestors = list(elements[0].iterancestors())
    for candidate in [elements[0], *ancestors]:
        if all(holds(candidate, e) for e in elements):
            return candidate
    return elements[0].getroottree().getroot()


def repeated(units_by_page: list[tuple[HtmlElement, list[HtmlElement]]]) -> tuple[Rule, Rule] | None:
    """A rule for the block that holds the units (from the page) and one for the units (from the
    block), reading exactly the units on every page: ``units_by_page`` pairs each page's root
    with the units found on it."""
    signatures = Counter(signature(u) for _, units in units_by_page for u in units)
    if not signatures:
        return None
    usual = signatures.most_common(1)[0][0]
    for _, units in units_by_page:
        units[:] = [u for u in units if signature(u) == usual]
    root, units = next((r, u) for r, u in units_by_page if u)
    block = common_ancestor(units) if len(units) > 1 else units[0].getparent()
    for block_xpath in selectors(block, root):
        block_rule = Rule(block_xpath)
        for unit_xpath in (usual, f"descendant::{usual}"):
            unit_rule = Rule(unit_xpath)
            if all(_reads_units(block_rule, unit_rule, r, u) for r, u in units_by_page if u):
                return block_rule, unit_rule
    return None


def _reads_units(block_rule: Rule, unit_rule: Rule, root: HtmlElement, units: list[HtmlElement]) -> bool:
    block = block_rule.element(root)
    if block is None:
        return False
    read = unit_rule.elements(block)
    ids = {id(u) for u in read}
    return all(id(u) in ids for u in units) and not any(holds(a, b) for a in read for b in read if a is not b)
