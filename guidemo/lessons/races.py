"""Races across an await: one thread, and still a lost update.

A coroutine runs alone only until its next `await`. `withdraw` reads the balance, checks
it, awaits (say, the bank's fraud check), then writes the balance it computed before the
await. Another withdrawal that ran in that gap is overwritten: its money was paid out but
never taken off. Holding an `asyncio.Lock` from the check to the write fixes it; so does
having no `await` between them.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Literal

START_BALANCE = 100
AMOUNT = 10  # each customer withdraws this much, once a round
MAX_START_S = 0.003  # each withdrawal starts at a random moment within this
MAX_GAP_S = 0.003  # the await between check and write lasts up to this

Way = Literal["race", "lock", "no await"]


@dataclass(frozen=True)
class Access:
    """One read or write of the balance: who, what, the balance, when (perf_counter)."""

    who: str
    what: Literal["read", "wrote"]
    balance: int
    at: float


@dataclass
class Account:
    """A balance that remembers every read and write (the lanes draw them)."""

    balance: int
    history: list[Access] = field(default_factory=list)

    def read(self, who: str) -> int:
        self.history.append(Access(who, "read", self.balance, time.perf_counter()))
        return self.balance

    def write(self, who: str, balance: int) -> None:
        self.balance = balance
        self.history.append(Access(who, "wrote", balance, time.perf_counter()))


async def withdraw(account: Account, who: str, amount: int, gap_s: float) -> bool:
    """Check, then act, with an await in between: another withdrawal can run in the gap."""
    balance = account.read(who)
    if balance < amount:
        return False
    await asyncio.sleep(gap_s)  # e.g. ask the bank's fraud check: the loop runs others now
    account.write(who, balance - amount)  # computed from a balance that may be stale now
    return True


async def withdraw_locked(
    account: Account, lock: asyncio.Lock, who: str, amount: int, gap_s: float
) -> bool:
    """The same, holding a lock: nobody else can check until this one has written."""
    async with lock:
        return await withdraw(account, who, amount, gap_s)


async def withdraw_without_await(account: Account, who: str, amount: int, gap_s: float) -> bool:
    """The same check and write with no await between them: no other coroutine runs there."""
    await asyncio.sleep(gap_s)  # the fraud check comes first now
    balance = account.read(who)
    if balance < amount:
        return False
    account.write(who, balance - amount)
    return True


@dataclass(frozen=True)
class Round:
    """What one round did: withdrawals paid, the balance left, updates lost."""

    way: Way
    started: float  # perf_counter
    paid: int
    balance: int
    history: list[Access]

    @property
    def lost(self) -> int:
        """Withdrawals paid out whose deduction is missing from the balance."""
        return self.paid - (START_BALANCE - self.balance) // AMOUNT


async def one_round(way: Way, customers: int) -> Round:
    """`customers` coroutines withdraw AMOUNT each from one account, at random moments."""
    account, lock, started = Account(START_BALANCE), asyncio.Lock(), time.perf_counter()

    async def customer(who: str) -> bool:
        await asyncio.sleep(random.uniform(0, MAX_START_S))
        gap_s = random.uniform(0, MAX_GAP_S)
        match way:
            case "race":
                return await withdraw(account, who, AMOUNT, gap_s)
            case "lock":
                return await withdraw_locked(account, lock, who, AMOUNT, gap_s)
            case "no await":
                return await withdraw_without_await(account, who, AMOUNT, gap_s)

    async with asyncio.TaskGroup() as group:
        paid = [group.create_task(customer(f"customer {n}")) for n in range(1, customers + 1)]
    return Round(way, started, sum(t.result() for t in paid), account.balance, account.history)


def overwritten(history: list[Access]) -> list[Access]:
    """The stale writes: someone else wrote between its read and it (an update is lost)."""
    stale = []
    for at, access in enumerate(history):
        if access.what != "wrote":
            continue
        read_at = max(
            i for i in range(at) if history[i].who == access.who and history[i].what == "read"
        )
        if any(h.what == "wrote" and h.who != access.who for h in history[read_at:at]):
            stale.append(access)
    return stale
