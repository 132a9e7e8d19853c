"""guidemo: see, touch and measure event-driven programming in a Qt + asyncio GUI."""

__version__ = "0.1.0"
