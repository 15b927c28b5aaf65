"""The cost of the stored secrets' hashes: RFC 9106's by default, the settings' for every new hash, and any stored
hash verifiable whatever the cost is now."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import Type, extract_parameters
from pydantic import ValidationError

from gateway.identities.secrets import hash_secret, secret_matches, use_cost
from gateway.settings import Settings

# RFC 9106, section 4, the second recommended option (for memory-constrained environments): argon2id, t=3,
# p=4 lanes, m=2^16 KiB (64 MiB).
RFC_9106_SECOND_OPTION = (3, 2**16, 4)


def cost_of(settings: Settings) -> tuple[int, int, int]:
    return settings.secret_hash_time_cost, settings.secret_hash_memory_kib, settings.secret_hash_parallelism


@pytest.fixture
def restored_cost() -> Iterator[None]:
    """The process's cost, as the tests set it, put back after the test changes it."""
    yield
    use_cost(Settings(log_json=False))


def test_the_default_cost_is_rfc_9106s_second_recommended_option() -> None:
    defaults = Settings.model_fields
    assert (
        defaults["secret_hash_time_cost"].default,
        defaults["secret_hash_memory_kib"].default,
        defaults["secret_hash_parallelism"].default,
    ) == RFC_9106_SECOND_OPTION


@pytest.mark.usefixtures("restored_cost")
async def test_new_hashes_take_the_settings_cost_and_older_ones_still_verify() -> None:
    use_cost(Settings(log_json=False, secret_hash_time_cost=2, secret_hash_memory_kib=64, secret_hash_parallelism=2))
    stored = await hash_secret("the first secret")
    parameters = extract_parameters(stored)
    assert (parameters.type, parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
        Type.ID, 2, 64, 2,
    )  # fmt: skip

    use_cost(Settings(log_json=False, secret_hash_time_cost=1, secret_hash_memory_kib=8, secret_hash_parallelism=1))
    assert extract_parameters(await hash_secret("a later secret")).time_cost == 1
    assert await secret_matches(stored, "the first secret")
    assert not await secret_matches(stored, "another secret")
    assert not await secret_matches(None, "the first secret")  # an unknown login never matches
    assert not await secret_matches("not a hash", "the first secret")


@pytest.mark.parametrize(
    ("field", "value"),
    [("secret_hash_time_cost", 0), ("secret_hash_memory_kib", 4), ("secret_hash_parallelism", 0)],
)
def test_a_cost_argon2_cannot_take_is_refused_at_start(field: str, value: int) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings.model_validate({"log_json": False, field: value})


def test_less_than_8_kib_per_lane_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="8 KiB per lane"):
        Settings(log_json=False, secret_hash_memory_kib=16, secret_hash_parallelism=4)
