"""The services' look-up of accounts (``sanquan_kernel.accounts``)."""

from __future__ import annotations

import pytest

from sanquan_kernel.accounts import Account, AccountDirectory, AccountsUnavailable


def test_an_id_beyond_the_key_range_names_no_account_and_is_not_asked() -> None:
    asked: list[list[int]] = []

    def gateway(ids: list[int]) -> list[Account]:
        asked.append(ids)
        return [Account(i, "staff", 10, 11) for i in ids if i == 7]

    d = AccountDirectory(fetcher=gateway)
    # make fuzz sent 43195803621248073728: the gateway's database refused it and the service answered 503
    assert d.lookup([43195803621248073728, 2**31, 0, -5]) == {}
    assert asked == []
    assert set(d.lookup([7, 8, 2**40])) == {7} and asked == [[7, 8]]
    assert d.get(7) is not None and asked == [[7, 8]]  # kept for a few seconds


def test_a_gateway_that_cannot_be_asked_is_a_503_not_a_missing_account() -> None:
    def away(ids: list[int]) -> list[Account]:
        raise ConnectionError("down")

    with pytest.raises(AccountsUnavailable) as exc:
        AccountDirectory(fetcher=away).get(7)
    assert exc.value.status == 503
    with pytest.raises(AccountsUnavailable):
        AccountDirectory().get(7)  # no connection configured at all
