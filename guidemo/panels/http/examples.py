"""Ready-made lists for the http panel's URL box (the "Examples…" menu)."""

from __future__ import annotations

from guidemo.net import MAX_URLS

EXAMPLES = [
    "Examples…",
    "the news scenario (empty box)",
    "every kind of fault",
    "1,000 quick downloads",
    f"{MAX_URLS + 500:,} URLs (over the cap)",
]


def example_text(index: int, server: str) -> str | None:
    """What the URL box gets for EXAMPLES[index] ("": empty, the news scenario); None for
    the first entry, the combo box's title."""
    if index == 1:
        return ""
    if index == 2:
        return "\n".join(fault_examples(server))
    if index == 3:
        return "\n".join(f"{server}/api/data?size=2000&latency=0.05&n={n}" for n in range(1000))
    if index == 4:
        return "\n".join(f"{server}/api/data?size=100&n={n}" for n in range(MAX_URLS + 500))
    return None


def fault_examples(server: str) -> list[str]:
    """One URL for every kind of trouble the panel handles, and two good ones."""
    return [
        f"{server}/api/json?items=3",
        f"   {server}/api/data?size=500   ",
        "",
        "example.com/no-scheme",
        "ftp://example.com/file.txt",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://[::1/broken",
        "http://no-such-host.invalid/",
        "http://127.0.0.1:1/",
        f"{server}/api/data?latency=20",
        f"{server}/api/status/404",
        f"{server}/api/status/503",
        f"{server}/api/fault/reset",
        f"{server}/api/fault/bad-utf8",
        f"{server}/api/fault/not-json",
        f"{server}/api/fault/huge",
        f"{server}/api/fault/redirect-loop",
    ]
