"""Lesson `races`: an await between check and write loses updates; a lock or no await does not."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from guidemo.lessons.races import (
    AMOUNT,
    START_BALANCE,
    Account,
    Round,
    one_round,
    overwritten,
    withdraw,
)

pytestmark = [pytest.mark.no_qt, pytest.mark.fast, pytest.mark.timeout(60)]
ROUNDS = 60


def test_importing_it_leaves_qt_out() -> None:
    code = "import sys, guidemo.lessons.races; assert 'PySide6' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def rounds(run, way, customers: int) -> list[Round]:
    async def many() -> list[Round]:
        return [await one_round(way, customers) for _ in range(ROUNDS)]

    return run(many())


def test_two_withdrawals_that_both_read_first_lose_one(run) -> None:
    account = Account(START_BALANCE)

    async def both() -> list[bool]:
        return await asyncio.gather(
            withdraw(account, "a", AMOUNT, 0.01), withdraw(account, "b", AMOUNT, 0.01)
        )

    assert run(both()) == [True, True]
    assert account.balance == START_BALANCE - AMOUNT, "two paid, one taken off"
    assert [(h.who, h.what) for h in account.history] == [
        ("a", "read"),
        ("b", "read"),
        ("a", "wrote"),
        ("b", "wrote"),
    ]
    assert [h.who for h in overwritten(account.history)] == ["b"]


def test_the_race_loses_updates_in_many_rounds_but_not_all(run) -> None:
    results = rounds(run, "race", 3)
    losing = [r for r in results if r.lost]
    assert len(losing) >= ROUNDS // 4
    assert all((r.lost > 0) == bool(overwritten(r.history)) for r in results)
    assert all(r.paid == 3 for r in results), "every check passed: the balance looked fine"


@pytest.mark.parametrize("way", ["lock", "no await"])
def test_a_lock_or_no_await_between_loses_none(run, way) -> None:
    results = rounds(run, way, 3)
    assert sum(r.lost for r in results) == 0
    assert all(not overwritten(r.history) for r in results)
    assert all(r.balance == START_BALANCE - 3 * AMOUNT for r in results)


def test_more_customers_than_money_the_lock_refuses_the_rest(run) -> None:
    customers = START_BALANCE // AMOUNT + 2
    locked = run(one_round("lock", customers))
    assert (locked.paid, locked.balance, locked.lost) == (START_BALANCE // AMOUNT, 0, 0)
    raced = rounds(run, "race", customers)
    assert max(r.paid for r in raced) > START_BALANCE // AMOUNT, "paid out more than it had"
