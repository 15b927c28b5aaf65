"""The one lifecycle helper: a table of transitions, every other (state, action) pair a 409 naming what is allowed."""

from __future__ import annotations

import itertools
from enum import StrEnum

import pytest

from hub.lifecycle import IllegalTransition, Lifecycle


class Light(StrEnum):
    red = "red"
    green = "green"
    broken = "broken"


class Act(StrEnum):
    go = "go"
    stop = "stop"
    smash = "smash"


LIGHT = Lifecycle(
    "light",
    {
        (Light.red, Act.go): Light.green,
        (Light.green, Act.stop): Light.red,
        (Light.red, Act.smash): Light.broken,
        (Light.green, Act.smash): Light.broken,
    },
    requirement="A14.1",
)
ALLOWED = {(Light.red, Act.go), (Light.green, Act.stop), (Light.red, Act.smash), (Light.green, Act.smash)}
ALLOWED_FROM = {Light.red: ["go", "smash"], Light.green: ["stop", "smash"], Light.broken: []}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(Light, Act)))
def test_every_state_and_action(state: Light, action: Act) -> None:
    if (state, action) in ALLOWED:
        assert LIGHT.apply(state, action) in Light
        return
    with pytest.raises(IllegalTransition) as refused:
        LIGHT.apply(state, action)
    problem = refused.value
    assert problem.status == 409
    assert problem.extensions["state"] == state
    assert problem.extensions["allowed_actions"] == ALLOWED_FROM[state]
    assert problem.body()["requirement"] == "A14.1"


def test_a_final_state_says_so() -> None:
    final = r"'go' is not allowed for a broken light; allowed: nothing \(it is final\)"
    with pytest.raises(IllegalTransition, match=final):
        LIGHT.apply(Light.broken, Act.go)
    assert LIGHT.final_states(Light) == [Light.broken]


def test_the_problem_names_the_allowed_actions_in_table_order() -> None:
    with pytest.raises(IllegalTransition) as refused:
        LIGHT.apply(Light.red, Act.stop)
    assert refused.value.extensions["allowed_actions"] == ["go", "smash"]
    assert refused.value.body()["type"] == "/problems/illegal-transition"
