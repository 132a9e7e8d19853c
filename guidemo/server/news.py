"""The news data the demo server serves: made up, but the same on every run, so a word
count has a known answer."""

from __future__ import annotations

import random
import re

MAX_SOURCES = 200
VOCABULARY = (
    "async", "await", "loop", "event", "task", "future", "python", "socket", "server",
    "thread", "callback", "coroutine", "gather", "queue", "signal", "timer", "widget", "news",
)  # fmt: skip


def news_sources(count: int) -> list[dict]:
    """The first `count` news sources; ids look like "source-07"."""
    return [{"id": f"source-{i:02d}", "name": f"Demo News {i:02d}"} for i in range(count)]


def news_articles(source_id: str) -> list[dict]:
    """A source's articles: random sentences, seeded by the id so they never change."""
    rng = random.Random(source_id)
    count = rng.randint(3, 8)
    return [{"title": _sentence(rng, 6), "description": _sentence(rng, 18)} for _ in range(count)]


def expected_word_count(word: str, sources: int) -> int:
    """How often `word` (any case, whole words) is in the first `sources` sources' articles."""
    articles = [a for s in news_sources(sources) for a in news_articles(s["id"])]
    return sum(_words(f"{a['title']} {a['description']}").count(word.lower()) for a in articles)


def _sentence(rng: random.Random, length: int) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(length)).capitalize() + "."


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


KNOWN_SOURCES = frozenset(source["id"] for source in news_sources(MAX_SOURCES))
