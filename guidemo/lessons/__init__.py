"""The code learners read: the functions and classes the panels' buttons run.

One module per lesson. Where the idea is Qt-free (asyncio, threads, processes, HTTP,
the toy loop) the module does not import PySide6 at all; where the idea *is* Qt (a
QThread, a signal, posted Qt events) it uses QtCore, never widgets. Every module here is
tested on its own, without a window.
"""
