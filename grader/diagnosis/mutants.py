"""The mutant catalogue: classic backprop mistakes as variants of the reference computation.

A :class:`Mutant` is one mistake (a catalogue tag) on given layers, as a set
of :class:`~grader.diagnosis.engine.Faults`. :func:`mutants_for` lists the
mutants that apply to a network, in the explicit order of simplicity used
when several match: by tag (``TAG_ORDER``), then one layer before several,
then by layer, then by variant. :func:`pairs` combines two mutants of
different tags for students who made two mistakes at once; any single
mutant is simpler than any pair.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from types import MappingProxyType
from typing import Iterator, Mapping

from numpy import ndarray

from grader.diagnosis.engine import (
    DERIVATIVE_PLACES,
    Faults,
    assigned_activation,
    forward,
    fused_output,
    gradients,
)
from reference import Network

# The explicit order of simplicity: earlier tags are reported first when several mutants match.
TAG_ORDER: tuple[str, ...] = (
    "gradient-sign",
    "gradient-scale-inconsistent",
    "missing-bias-gradient",
    "cross-entropy-gradient",
    "missing-activation-derivative",
    "derivative-of-preactivation",
    "transposed-gradient",
    "stale-weights",
    "forward-missing-bias",
    "wrong-activation",
)

FORWARD_TAGS = frozenset({"forward-missing-bias", "wrong-activation"})

# Activations tried in place of the assigned one, in order ("identity": no activation at all).
WRONG_ACTIVATIONS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "sigmoid": ("identity", "tanh", "relu"),
    "tanh": ("identity", "sigmoid", "relu"),
    "relu": ("sigmoid", "tanh", "identity"),
    "identity": ("sigmoid", "tanh", "relu"),
    "softmax": ("identity", "sigmoid"),
})

# Activations whose derivative formula can be evaluated at the wrong place with a different result.
DERIVATIVE_FORMULAS: Mapping[str, tuple[str, str, str]] = MappingProxyType({
    # activation: (correct formula, formula applied to Z, formula applied through the activation again)
    "sigmoid": ("A*(1-A)", "Z*(1-Z)", "sigmoid(A)*(1-sigmoid(A))"),
    "tanh": ("1-A**2", "1-Z**2", "1-tanh(A)**2"),
})

PAIR_PENALTY = 100


def _layers_text(layers: tuple[int, ...]) -> str:
    if not layers:
        return "every layer"
    if len(layers) == 1:
        return f"layer {layers[0]}"
    return "layers " + ", ".join(str(k) for k in layers[:-1]) + f" and {layers[-1]}"


def _names(labels: Mapping[str, str], prefix: str, layers: tuple[int, ...]) -> str:
    return ", ".join(labels.get(f"{prefix}{k}", f"{prefix}{k}") for k in layers)


@dataclass(frozen=True)
class Mutant:
    """One classic mistake on some layers, as faults of the reference computation."""

    tag: str
    faults: Faults
    layers: tuple[int, ...] = ()
    variant: str = ""
    rank: tuple[int, ...] = ()

    @property
    def key(self) -> str:
        """A short unique name, e.g. ``missing-activation-derivative@1`` or ``wrong-activation@2:identity``."""
        where = "@" + ",".join(str(k) for k in self.layers) if self.layers else ""
        return f"{self.tag}{where}" + (f":{self.variant}" if self.variant else "")

    def outputs(self, network: Network, params: Mapping[str, ndarray], X: ndarray) -> ndarray:
        """What forward(X) returns with this mistake."""
        return forward(network, params, X, self.faults).output

    def gradients(self, network: Network, params: Mapping[str, ndarray], X: ndarray, Y: ndarray, lr: float,
                  ) -> dict[str, ndarray]:
        """The gradients a backward pass with this mistake applies at step ``lr``."""
        return gradients(network, params, X, Y, lr=lr, faults=self.faults)

    def describe(self, network: Network, labels: Mapping[str, str], *, check: str, factor: float = 1.0) -> str:
        """What the student's code does, in words, for the ``check`` that found it (``factor``: the fitted one)."""
        text = _describe(self, network, labels, factor)
        if check == "gradients" and self.tag in FORWARD_TAGS:
            return f"the update is the gradient of your forward pass, in which {text} (see the forward check)"
        return text


def _describe(m: Mutant, network: Network, labels: Mapping[str, str], factor: float) -> str:
    layers, where = m.layers, _layers_text(m.layers)
    depth = network.depth
    if m.tag == "gradient-sign":
        return (f"every parameter moves up the gradient (the update is {-factor:.3g} x the gradient): "
                "it increases the loss")
    if m.tag == "gradient-scale-inconsistent":
        biases = f"the bias gradient of {where} ({_names(labels, 'b', layers)})"
        if m.variant == "bias-mean":
            return (f"{biases} is averaged over the batch while the weight gradients are summed: it is 1/N of "
                    "what it should be (N = rows in the batch)")
        return (f"{biases} is summed over the batch while the weight gradients are averaged: it is N times "
                "what it should be (N = rows in the batch)")
    if m.tag == "missing-bias-gradient":
        return f"the bias of {where} ({_names(labels, 'b', layers)}) is never updated: its gradient is zero"
    if m.tag == "cross-entropy-gradient":
        return (f"the output layer's error (layer {depth}) is (A - Y) without the {network.output} derivative: "
                f"that is the cross-entropy gradient, but this assignment's loss is the {network.loss.upper()}")
    if m.tag == "missing-activation-derivative":
        acts = sorted({assigned_activation(network, k) for k in layers})
        return (f"{where} {'is' if len(layers) == 1 else 'are'} missing {'its' if len(layers) == 1 else 'their'} "
                f"activation derivative: the error sent back is not multiplied by {'/'.join(acts)}'(Z)")
    if m.tag == "derivative-of-preactivation":
        act = assigned_activation(network, layers[0])
        right, on_z, again = DERIVATIVE_FORMULAS[act]
        wrong = on_z if m.variant == "z" else again
        return f"the {act} derivative of {where} is computed as {wrong} instead of {right}"
    if m.tag == "transposed-gradient":
        names = _names(labels, "W", layers)
        return f"the gradient of {names} ({where}) is transposed: rows and columns are swapped"
    if m.tag == "stale-weights":
        matrices = " and ".join(labels.get(f"W{k}", f"W{k}") for k in layers)
        if len(layers) == 1:
            return (f"the error sent back to layer {layers[0] - 1} goes through {matrices} (layer {layers[0]}) "
                    f"after {matrices} was already updated in this step")
        return (f"the errors sent back to {_layers_text(tuple(k - 1 for k in layers))} go through {matrices} "
                "after they were already updated in this step")
    if m.tag == "forward-missing-bias":
        return f"{where} {'leaves' if len(layers) == 1 else 'leave'} out the bias ({_names(labels, 'b', layers)})"
    if m.tag == "wrong-activation":
        assigned = sorted({assigned_activation(network, k) for k in layers})
        if m.variant == "identity":
            used = "no activation"
        else:
            used = m.variant
        output = " (the output layer)" if layers == (depth,) else ""
        return f"{where}{output} {'uses' if len(layers) == 1 else 'use'} {used} instead of {'/'.join(assigned)}"
    return m.key


def _layer_sets(layers: list[int]) -> list[tuple[int, ...]]:
    """Each layer alone, then all of them together (when there are several)."""
    sets = [(k,) for k in layers]
    return sets + [tuple(layers)] if len(layers) > 1 else sets


def _square(network: Network, layer: int) -> bool:
    return network.layers[layer - 1] == network.layers[layer]


def _candidates(network: Network) -> Iterator[Mutant]:
    """Every mutant that applies to ``network`` (unordered)."""
    depth = network.depth
    all_layers = list(range(1, depth + 1))
    hidden = list(range(1, depth))
    yield Mutant("gradient-sign", Faults(sign=True))
    if network.bias:
        for variant, power in (("bias-mean", -1), ("bias-sum", 1)):
            for layers in _layer_sets(all_layers):
                yield Mutant("gradient-scale-inconsistent",
                             Faults(bias_batch_power=tuple((k, power) for k in layers)), layers, variant)
        for layers in _layer_sets(all_layers):
            yield Mutant("missing-bias-gradient", Faults(frozen_bias=frozenset(layers)), layers)
            yield Mutant("forward-missing-bias", Faults(no_bias=frozenset(layers)), layers)
    if network.loss == "mse" and network.output != "identity":
        yield Mutant("cross-entropy-gradient", Faults(cross_entropy_delta=True), (depth,))
    # A separate derivative exists on hidden layers, and on the output unless the loss fuses it
    # (under the squared error, the output without its derivative is the cross-entropy mutant);
    # leaving out the derivative of the identity changes nothing.
    separate = hidden + ([depth] if not fused_output(network) else [])
    skippable = [k for k in hidden + ([depth] if not fused_output(network) and network.loss != "mse" else [])
                 if assigned_activation(network, k) != "identity"]
    for layers in _layer_sets(skippable):
        yield Mutant("missing-activation-derivative", Faults(skip_derivative=frozenset(layers)), layers)
    formula_layers = [k for k in separate if assigned_activation(network, k) in DERIVATIVE_FORMULAS]
    for place in DERIVATIVE_PLACES:
        for layers in _layer_sets(formula_layers):
            if len({assigned_activation(network, k) for k in layers}) == 1:
                yield Mutant("derivative-of-preactivation",
                             Faults(derivative_at=tuple((k, place) for k in layers)), layers, place)
    for layers in _layer_sets([k for k in all_layers if _square(network, k)]):
        yield Mutant("transposed-gradient", Faults(transposed=frozenset(layers)), layers)
    for layers in _layer_sets(list(range(2, depth + 1))):
        yield Mutant("stale-weights", Faults(stale=frozenset(layers)), layers)
    groups = [(k,) for k in all_layers]
    if len(hidden) > 1:
        groups.append(tuple(hidden))
    if len({assigned_activation(network, k) for k in all_layers}) == 1 and depth > 1:
        groups.append(tuple(all_layers))
    for layers in groups:
        assigned = assigned_activation(network, layers[0])
        if any(assigned_activation(network, k) != assigned for k in layers):
            continue
        for name in WRONG_ACTIVATIONS.get(assigned, ()):
            if len(layers) > 1 and name == "identity":
                continue  # a network with no activation anywhere is not a plausible slip
            yield Mutant("wrong-activation", Faults(activations=tuple((k, name) for k in layers)), layers, name)


def _rank(m: Mutant, network: Network) -> tuple[int, ...]:
    """Tag order, then fewer layers, then lower layers, then the variant's position in its list."""
    if m.tag == "wrong-activation":
        variant = WRONG_ACTIVATIONS[assigned_activation(network, m.layers[0])].index(m.variant)
    elif m.variant:
        variant = ("bias-mean", "bias-sum", *DERIVATIVE_PLACES).index(m.variant)
    else:
        variant = 0
    return (TAG_ORDER.index(m.tag), len(m.layers), *m.layers, *([0] * (network.depth - len(m.layers))), variant)


def mutants_for(network: Network) -> tuple[Mutant, ...]:
    """The mutants that apply to ``network``, simplest first."""
    ranked = [Mutant(m.tag, m.faults, m.layers, m.variant, _rank(m, network)) for m in _candidates(network)]
    return tuple(sorted(ranked, key=lambda m: m.rank))


@dataclass(frozen=True)
class Hypothesis:
    """One mutant, or two mistakes made together; ``cost`` orders them (lower is simpler)."""

    mutants: tuple[Mutant, ...]
    faults: Faults
    cost: tuple[int, ...]

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(m.tag for m in self.mutants)

    @property
    def key(self) -> str:
        return " + ".join(m.key for m in self.mutants)


def singles(mutants: tuple[Mutant, ...]) -> list[Hypothesis]:
    """Each mutant alone, in order."""
    return [Hypothesis((m,), m.faults, (0, *m.rank)) for m in mutants]


def pairs(mutants: tuple[Mutant, ...]) -> Iterator[Hypothesis]:
    """Two mutants of different tags whose faults do not contradict each other, simplest first."""
    found = []
    for a, b in combinations(mutants, 2):
        if a.tag == b.tag:
            continue
        merged = a.faults.merge(b.faults)
        if merged is None or merged in (a.faults, b.faults):
            continue
        found.append(Hypothesis((a, b), merged, (PAIR_PENALTY, *a.rank, *b.rank)))
    yield from sorted(found, key=lambda h: h.cost)


def applicable_tags(network: Network) -> list[str]:
    """The catalogue tags that have at least one mutant for ``network``, in order."""
    return list(dict.fromkeys(m.tag for m in mutants_for(network)))


__all__ = ["FORWARD_TAGS", "Hypothesis", "Mutant", "TAG_ORDER", "applicable_tags", "mutants_for", "pairs", "singles"]
