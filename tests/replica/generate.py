"""Generated articles and comments, deterministic from a seed.

Texts are made of sentences of the seed page and of lines in the style of the site, so that
extraction meets real Russian: quotes, «ёлочки», dashes, abbreviations with dots, numbers.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from tests.replica.world import (
    FUTURE_DAYS,
    SECTIONS,
    Article,
    Comment,
    Image,
    Quote,
    rng_for,
    slugify,
)

SENTENCES = [
    "Минобороны России сообщило о завершении государственных испытаний новой техники.",
    "По словам источника, первые образцы поступят в войска до конца года.",
    "Эксперты считают, что программа перевооружения выполняется с опережением графика.",
    "Корпорация «Иркут» до конца года поставит ВКС РФ более 30 истребителей Су-30СМ.",
    "Главком ВМФ сообщил, что проработан вопрос о создании нового авианосца.",
    "Испытания прошли на полигоне Капустин Яр в Астраханской области.",
    "Стоимость контракта не раскрывается, но, по оценкам аналитиков, она превышает 1,2 млрд руб.",
    "В НАТО заявили, что внимательно следят за развитием ситуации.",
    "Ранее сообщалось о планах модернизировать 150 танков Т-72Б3 до уровня Т-72Б3М.",
    "Как отметил замминистра обороны, «все работы идут строго по плану».",
    "Зенитный ракетный комплекс С-400 «Триумф» заступил на боевое дежурство.",
    "Фрегат «Адмирал Макаров» вошёл в состав Черноморского флота.",
    "На выставке «Армия-2018» показали опытный образец бронемашины.",
    "Представитель ведомства подчеркнул, что сроки поставок не изменятся.",
]
COMMENT_LINES = [
    "Хорошая новость, давно пора.",
    "А где же импортозамещение?..",
    "Опять 25 — сроки сдвигают каждый год.",
    "Интересно, сколько это стоит налогоплательщикам?",
    "Главное, чтобы не на бумаге, а в войсках!",
    "Видел эту машину на параде — впечатляет.",
    "Ну-ну... посмотрим, что будет через год.",
    "Кто-нибудь знает, где почитать подробнее?",
    "«Не числом, а умением» — как говорил Суворов.",
    "Согласен с предыдущим оратором на 100%.",
    "ИМХО, флоту нужны не авианосцы, а подлодки & корветы.",
    "Статья ни о чём < ожидал большего >",
    "P.S. Автору спасибо за обзор.",
    "Т-14 \"Армата\" когда уже в серию?",
    "Это уже третья новость на эту тему за неделю.",
]
AUTHORS = ["Tank", "Ратник", "штурм", "Старый прапор", "vlad_77", "Морпех", "Анатолий К.",
           "Sergey-NN", "Дед Мазай", "Ivan", "Капитан Очевидность", "Штирлиц"]
ARTICLE_AUTHORS = ["Алексей Петров", "Мария Сидорова", "Д. Иванов"]
HOLDERS = ["Вестник Кавказа", "РИА Новости", "Известия", "Красная звезда", "ТАСС"]
RIGHTS_NOTES = ["Материал размещён правообладателем в открытом доступе",
                "Материал опубликован с разрешения правообладателя"]
MENTIONS = ["Россия", "США", "НАТО", "Азербайджан", "Армения", "Су-30СМ", "С-400", "ОДКБ", "Т-72", "ВМФ"]
TITLE_PARTS = (
    ["Россия", "Минобороны", "ВМФ", "ВКС", "Китай", "США", "НАТО", "Корпорация «Иркут»", "Уралвагонзавод"],
    ["получит", "испытает", "представил", "модернизирует", "закупит", "отказались от"],
    ["новые истребители Су-57", "партию танков Т-90М", "фрегат проекта 22350", "ЗРК «Панцирь-С»",
     "беспилотник «Охотник»", "ракету Х-БПЛА", "корвет «Гремящий»", "вертолёты Ка-52М"],
)


class Generator:
    def __init__(self, seed: int, day0: datetime, js_share: float) -> None:
        self.seed = seed
        self.day0 = day0
        self.js_share = js_share
        self.rng = rng_for("world", seed)
        self.next_comment_id = 7_000_000

    def articles(self, count: int, seed_article: Article) -> list[Article]:
        times = self._publication_times(count)
        ids = self._ids(times, seed_article)
        articles = [self._article(ids[t], t) for t in times]
        self._revive(articles)
        self._edits_and_deletions([*articles, seed_article])
        return articles

    def _publication_times(self, count: int) -> list[datetime]:
        """``count`` before day 0, three hours apart on average; a few a day after it."""
        times, moment = [], self.day0
        for _ in range(count):
            moment -= timedelta(minutes=self.rng.randint(20, 340))
            times.append(moment)
        moment = self.day0
        for _ in range(FUTURE_DAYS * 4):
            moment += timedelta(minutes=self.rng.randint(60, 660))
            times.append(moment)
        return times

    def _ids(self, times: list[datetime], seed_article: Article) -> dict[datetime, str]:
        """Ids grow with time, as on the real site, around the seed article's fixed id (gaps are
        small enough that 50,000 older articles still get positive ids)."""
        anchor = int(seed_article.id)
        before = sorted((t for t in times if t < seed_article.published_at), reverse=True)
        after = sorted(t for t in times if t >= seed_article.published_at)
        ids, current = {}, anchor
        for t in before:
            current -= self.rng.randint(1, 4)
            ids[t] = str(current)
        current = anchor
        for t in after:
            current += self.rng.randint(1, 4)
            ids[t] = str(current)
        return ids

    def _article(self, article_id: str, published: datetime) -> Article:
        rng = rng_for("article", self.seed, article_id)
        title = f"{rng.choice(TITLE_PARTS[0])} {rng.choice(TITLE_PARTS[1])} {rng.choice(TITLE_PARTS[2])}"
        paragraphs = [" ".join(rng.sample(SENTENCES, rng.randint(1, 3))) for _ in range(rng.randint(1, 7))]
        image = None
        if rng.random() < 0.85:
            alt = slugify(title).split("_")[0].capitalize()
            image = Image(f"/images/news/{article_id}/main.jpg", alt, rng.choice(MENTIONS), rng.choice(
                ["mil.ru", "tass.ru", "aztv.az", "Пресс-служба Минобороны"]))
        bucket = rng.random()
        encoding = "cp1251-header" if bucket < 0.08 else "cp1251-meta" if bucket < 0.14 else "utf-8"
        article = Article(
            id=article_id, slug=slugify(title), title=title, published_at=published,
            section=rng.choice(SECTIONS), author=rng.choice(ARTICLE_AUTHORS) if rng.random() < 0.5 else None,
            paragraphs=paragraphs, image=image, rights_holder=rng.choice(HOLDERS),
            rights_note=rng.choice(RIGHTS_NOTES), mentions=rng.sample(MENTIONS, rng.randint(0, 4)),
            rating=rng.choice([0, 0, 1, 2, 5, -1, -3, 14]), base_views=self._views(rng), comments=[],
            js_comments=rng.random() < self.js_share, encoding=encoding, style=rng.random(),
            broken_html=rng.random() < 0.05,
        )
        article.comments = self._comments(article, rng)
        return article

    @staticmethod
    def _views(rng: random.Random) -> int:
        roll = rng.random()
        if roll < 0.1:
            return rng.randint(10_000, 250_000)  # shown as "12,3 тыс."
        return rng.randint(40, 9_000)

    def _comments(self, article: Article, rng: random.Random) -> list[Comment]:
        roll = rng.random()
        if roll < 0.25:
            count = 0
        elif roll < 0.97:
            count = rng.randint(1, 45)
        else:
            count = rng.randint(200, 420)  # "hundreds": many comment pages
        times = sorted(article.published_at + timedelta(minutes=int(rng.expovariate(1 / 600)) + 1)
                       for _ in range(count))
        comments: list[Comment] = []
        for moment in times:
            self._add_comment(article, moment, comments, rng)
        return comments

    def _add_comment(self, article: Article, moment: datetime, comments: list[Comment], rng: random.Random) -> None:
        lines = rng.sample(COMMENT_LINES, rng.randint(1, 4))
        quote = None
        roll = rng.random()
        if comments and roll < 0.18:
            quoted = rng.choice(comments)
            quote = Quote(quoted.author, quoted.number, quoted.text, nested=quoted.quote)
        elif roll < 0.23:
            quote = Quote("q", None, rng.choice(article.paragraphs))
        self.next_comment_id += rng.randint(1, 9)
        comments.append(Comment(
            article_id=article.id, number=len(comments) + 1, site_id=str(self.next_comment_id),
            author=rng.choice(AUTHORS), posted_at=moment, text="\n".join(lines),
            rating=rng.choice([0, 0, 0, 1, 2, 3, -1, -3, 12]), quote=quote, date_style=rng.random(),
        ))

    def _revive(self, articles: list[Article]) -> None:
        """Each day after day 0, two old articles draw a burst of new comments. Only the
        "Обсуждаемое" sidebar shows them then: that is how a crawler learns of them."""
        for day in range(1, FUTURE_DAYS + 1):
            rng = rng_for("revive", self.seed, day)
            start = self.day0 + timedelta(days=day - 1, hours=rng.randint(2, 18))
            old = [a for a in articles if a.published_at < start - timedelta(days=8)]
            for article in rng.sample(old, k=min(2, len(old))):
                for i in range(rng.randint(3, 8)):
                    self._add_comment(article, start + timedelta(minutes=23 * i), article.comments, rng)

    def _edits_and_deletions(self, articles: list[Article]) -> None:
        """On each day after day 0, one comment is edited and another deleted, under articles of
        the past week (comment threads live about that long; after it, the site locks them)."""
        generated = [a for a in articles if a.frozen_views is None]
        for day in range(1, FUTURE_DAYS + 1):
            rng = rng_for("edits", self.seed, day)
            when = self.day0 + timedelta(days=day - 1, hours=rng.randint(1, 22))
            recent = (a for a in generated if when - timedelta(days=7) < a.published_at < when)
            candidates = [c for a in recent for c in a.comments
                          if c.posted_at < when and c.deleted_at is None and not c.edits]
            if len(candidates) < 2:
                continue
            edited, deleted = rng.sample(candidates, 2)
            edited.edits.append((when, edited.text + "\nUPD: поправил опечатку."))
            deleted.deleted_at = when + timedelta(minutes=5)
