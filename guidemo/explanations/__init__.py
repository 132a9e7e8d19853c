"""Each panel's explanation as Markdown (`<slug>.md`), shipped inside the package."""

from importlib.resources import files


def explanation(slug: str) -> str:
    """The Markdown text that explains panel `slug` (FileNotFoundError if it has none)."""
    return files(__name__).joinpath(f"{slug}.md").read_text(encoding="utf-8")
