"""Each panel's explanation as Markdown (`<slug>.md`), shipped inside the package.

A number the code owns (a probe interval, a limit, a back-off) is not written in the prose:
the Markdown says `{probe_ms}` and the panel passes the constant, so a change of the
constant changes the text. The name ends in the word that follows it (`_ms`, `_s`,
`_threads`, ...); tests/test_explanations.py holds the two together.
"""

import re
from collections.abc import Mapping
from importlib.resources import files

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")  # {probe_ms}; {duration:.2f} is the tour's


def raw_explanation(slug: str) -> str:
    """The Markdown file of panel `slug` as written (FileNotFoundError if it has none)."""
    return files(__name__).joinpath(f"{slug}.md").read_text(encoding="utf-8")


def explanation(slug: str, numbers: Mapping[str, float] | None = None) -> str:
    """The Markdown text that explains panel `slug`, its `{name}` placeholders filled from
    `numbers` (a placeholder not in it is left as written)."""
    given = numbers or {}

    def fill(match: re.Match[str]) -> str:
        name = match[1]
        return f"{given[name]:,g}" if name in given else match[0]

    return PLACEHOLDER.sub(fill, raw_explanation(slug))
