"""The mutant catalogue: which mistakes apply to which network, their order, their words."""
from __future__ import annotations

import pytest

from grader import load_assignment
from grader.diagnosis.catalogue import CATALOGUE
from grader.checks.base import Reference, square_layers
from grader.diagnosis import TAG_ORDER, applicable_tags, mutants_for
from grader.diagnosis.mutants import pairs

GRADIENT_TAGS = {"gradient-sign", "gradient-scale-inconsistent", "missing-bias-gradient", "missing-activation-derivative",
                 "stale-weights", "forward-missing-bias", "wrong-activation"}
APPLICABLE = {
    # assignment: tags with a mutant at the assignment's sizes, and the extra ones at the square sizes
    "two-layer": (GRADIENT_TAGS | {"cross-entropy-gradient", "derivative-of-preactivation"}, {"transposed-gradient"}),
    "three-layer": (GRADIENT_TAGS | {"cross-entropy-gradient", "derivative-of-preactivation", "transposed-gradient"},
                    set()),
    "two-layer-bce": (GRADIENT_TAGS | {"derivative-of-preactivation"}, {"transposed-gradient"}),
    "deep-relu-softmax": (GRADIENT_TAGS | {"transposed-gradient"}, set()),
}


@pytest.mark.parametrize("name", sorted(APPLICABLE))
def test_applicable_tags(name):
    assignment = load_assignment(name)
    square = Reference(assignment, 0).square
    own, extra = APPLICABLE[name]
    assert set(applicable_tags(assignment.network)) == own
    assert square is not None and square.network.layers == square_layers(assignment.network)
    assert set(applicable_tags(square.network)) == own | extra


def test_every_tag_is_in_the_catalogue_with_words():
    for tag in TAG_ORDER:
        entry = CATALOGUE[tag]
        assert entry.explanation and entry.hint and entry.title


@pytest.mark.parametrize("name", sorted(APPLICABLE))
def test_mutants_are_ordered_and_unique(name):
    mutants = mutants_for(load_assignment(name).network)
    assert [m.rank for m in mutants] == sorted(m.rank for m in mutants)
    assert len({m.key for m in mutants}) == len(mutants)
    assert len({m.faults for m in mutants}) == len(mutants)
    tags = [m.tag for m in mutants]
    assert tags == sorted(tags, key=TAG_ORDER.index)
    for tag in set(tags):
        sizes = [len(m.layers) for m in mutants if m.tag == tag]
        assert sizes == sorted(sizes), tag  # one layer before several


def test_pairs_combine_different_tags_and_cost_more_than_any_single():
    mutants = mutants_for(load_assignment("two-layer").network)
    found = list(pairs(mutants))
    assert found and all(h.mutants[0].tag != h.mutants[1].tag for h in found)
    assert all(h.cost[0] > 0 for h in found)
    assert [h.cost for h in found] == sorted(h.cost for h in found)
    assert all(h.faults not in (h.mutants[0].faults, h.mutants[1].faults) for h in found)


def _mutant(name: str, key: str):
    return next(m for m in mutants_for(load_assignment(name).network) if m.key == key)


@pytest.mark.parametrize(("name", "key", "words"), [
    ("two-layer", "missing-activation-derivative@1", "layer 1 is missing its activation derivative"),
    ("three-layer", "missing-activation-derivative@1,2", "layers 1 and 2 are missing their activation derivative"),
    ("two-layer", "wrong-activation@2:identity", "layer 2 (the output layer) uses no activation instead of sigmoid"),
    ("deep-relu-softmax", "wrong-activation@1,2:sigmoid", "layers 1 and 2 use sigmoid instead of relu"),
    ("two-layer", "stale-weights@2", "the error sent back to layer 1 goes through W2 (layer 2) after W2 was already"),
    ("three-layer", "stale-weights@2,3", "the errors sent back to layers 1 and 2 go through W2 and W3"),
    ("two-layer", "derivative-of-preactivation@1:z", "computed as Z*(1-Z) instead of A*(1-A)"),
    ("three-layer", "missing-bias-gradient@3", "the bias of layer 3 (b3) is never updated"),
    ("two-layer", "forward-missing-bias@1", "layer 1 leaves out the bias (b1)"),
    ("two-layer", "cross-entropy-gradient@2", "this assignment's loss is the MSE"),
])
def test_messages_name_the_layer(name, key, words):
    network = load_assignment(name).network
    labels = {n: n for n in network.param_names()}
    assert words in _mutant(name, key).describe(network, labels, check="forward")


def test_forward_mistakes_seen_by_the_gradient_check_point_to_the_forward_pass():
    network = load_assignment("two-layer").network
    text = _mutant("two-layer", "forward-missing-bias@1").describe(network, {}, check="gradients")
    assert text.startswith("the update is the gradient of your forward pass") and "see the forward check" in text


def test_messages_use_the_students_parameter_names():
    network = load_assignment("two-layer").network
    text = _mutant("two-layer", "stale-weights@2").describe(network, {"W2": "weights_out"}, check="gradients")
    assert "weights_out" in text
