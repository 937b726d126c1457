"""The product hashes passwords at RFC 9106's second recommended Argon2id cost.

The test process swaps in a cheap hasher (tests/conftest.py) to keep the suite within its time;
this holds the real one to its parameters, so the swap cannot hide a weakened product.
"""

from __future__ import annotations

from collections.abc import Callable

from pwdlib import PasswordHash

from commsgov.services import users


def test_the_product_hashes_with_rfc_9106_parameters(
    product_hasher: Callable[[], PasswordHash],
) -> None:
    hashed = product_hasher().hash("correct horse battery staple")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert product_hasher().verify("correct horse battery staple", hashed)
    assert not product_hasher().verify("correct horse battery stapler", hashed)


def test_a_hash_made_at_a_lower_cost_is_upgraded_at_the_next_sign_in(
    product_hasher: Callable[[], PasswordHash],
) -> None:
    # what the test process's cheap hashes would become in a real store: verify_and_update
    # answers a new hash at the product's cost
    cheap = users._hasher().hash("correct horse battery staple")
    assert "m=8,t=1,p=1" in cheap
    ok, upgraded = product_hasher().verify_and_update("correct horse battery staple", cheap)
    assert ok and upgraded is not None and upgraded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
