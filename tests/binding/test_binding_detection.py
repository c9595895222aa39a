"""The pieces of binding detection that need no worker: names, signatures, wiring, shapes, sources, specs."""
from __future__ import annotations

import copy
import tomllib

import numpy as np
import pytest

from grader.spec.assignment import builtin_folder, parse_assignment
from grader.binding.base import Layout
from grader.binding.classes import ClassState, constructor
from grader.binding.detect import indentation_hints
from grader.binding.names import Pool, Source, parse_signature, strip_gradient, wire
from grader.binding.plan import Plan, Slot
from grader.binding.source import SourceIndex
from grader.binding.steps import gradient_map, result_pool, step_pool
from grader.binding.structure import detection_layers, entries_of, mappings
from grader.errors import SpecError
from reference import Network


def spec(**interface: object) -> dict:
    data = tomllib.loads((builtin_folder() / "two-layer" / "spec.toml").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["interface"] = dict(interface)
    return data


# -- specs -----------------------------------------------------------------------------------------

def test_no_interface_means_detection_and_nothing_pinned():
    a = parse_assignment(spec())
    assert a.interface.style == "auto" and a.interface.pinned == frozenset()
    assert not a.interface.template


def test_the_builtin_interface_pins_the_template():
    data = tomllib.loads((builtin_folder() / "two-layer" / "spec.toml").read_text(encoding="utf-8"))
    a = parse_assignment(data)
    assert a.interface.template and {"class", "forward", "backward", "parameters", "layout"} <= a.interface.pinned


def test_pinned_fields_are_recorded():
    a = parse_assignment(spec(style="functions", forward="forward_pass", update="", init="init_params",
                              layout="column-in-out"))
    i = a.interface
    assert i.pinned == {"style", "forward", "update", "init", "layout"}
    assert (i.style, i.forward, i.update, i.init, i.layout) == ("functions", "forward_pass", "", "init_params",
                                                                  "column-in-out")


def test_unknown_interface_field_is_still_rejected():
    with pytest.raises(SpecError, match="unknown field.s. updater"):
        parse_assignment(spec(updater="sgd"))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("style", "objects", "interface style 'objects' is not supported"),
    ("layout", "diagonal", "layout must be 'row' or 'column'"),
    ("forward", 3, "interface forward must be a string"),
    ("parameters", ["W1", "b 1", "W2", "b2"], "interface parameters must be names or paths"),
])
def test_bad_interface_values_are_spec_errors(field, value, message):
    with pytest.raises(SpecError, match=message):
        parse_assignment(spec(**{field: value}))


# -- names and signatures ----------------------------------------------------------------------------

def test_signatures_are_parsed_with_defaults_and_without_self():
    s = parse_signature("(self, X, y, learning_rate=0.5, *args, verbose: bool = False, **kw)", method=True)
    assert [p.name for p in s.params] == ["X", "y", "learning_rate", "args", "verbose", "kw"]
    assert [p.name for p in s.required] == ["X", "y"]


@pytest.mark.parametrize(("name", "param"), [("dW1", "W1"), ("grad_W1", "W1"), ("db2", "b2"), ("W1_grad", "W1"),
                                             ("delta1", "1"), ("d_weights_input_hidden", "weights_input_hidden")])
def test_gradient_names_lead_to_parameter_names(name, param):
    assert strip_gradient(name) == param


def test_backward_parameters_are_wired_to_the_forward_results_by_name_then_role():
    forward = result_pool("forward", SourceIndex.of_texts(["def f(X, W, B):\n    return X, inputs, derivs\n"])
                          .returned("f"), ("tuple", 3), output=(("i", 0),))
    pool = step_pool({"W": Source("root", "W"), "B": Source("root", "B")}, forward)
    signature = parse_signature("(W, B, inputs, derivs, pred, Y, learning_rate=0.5)")
    wired = {p.name: s for p, s in wire(signature, pool)}
    assert wired["W"] == Source("root", "W") and wired["inputs"] == Source("result", "forward", (("i", 1),))
    assert wired["pred"] == Source("result", "forward", (("i", 0),))
    assert (wired["Y"].kind, wired["learning_rate"].kind) == ("Y", "lr")


def test_unnamed_results_fill_the_remaining_parameters_in_order():
    forward = result_pool("forward", None, ("tuple", 2), output=(("i", 1),))
    pool = step_pool({"W2": Source("root", "W2")}, forward)
    wired = {p.name: s for p, s in wire(parse_signature("(X, Y, H, O, W2)"), pool)}
    assert wired["H"].path == (("i", 0),) and wired["O"].path == (("i", 1),)


def test_a_parameter_that_cannot_be_wired_rejects_the_call():
    assert wire(parse_signature("(self, X)"), Pool(state={})) is None


@pytest.mark.parametrize(("text", "args"), [
    ("(input_size, hidden_size, output_size, lr=0.5)", (("size", 0), ("size", 1), ("size", -1))),
    ("(n_x, n_h, n_y)", (("size", 0), ("size", 1), ("size", -1))),
    ("(layer_sizes, learning_rate=0.1)", (("sizes", None),)),
    ("(a, b, c)", (("size", 0), ("size", 1), ("size", -1))),
    ("()", ()),
])
def test_constructor_arguments_by_role_or_position(text, args):
    state = constructor(parse_signature(text), 2, "Net")
    assert state is not None and state.args == args


def test_constructor_with_an_unknown_required_argument_is_not_called():
    assert constructor(parse_signature("(data, hidden_size)"), 2, "Net") is None
    assert ClassState("Net").takes_sizes is False


# -- shapes and layouts ------------------------------------------------------------------------------

def test_detection_sizes_make_every_shape_distinct():
    for layers in ((2, 4, 1), (2, 4, 4, 1), (2, 8, 8, 2)):
        sizes = detection_layers(layers)
        shapes = Network(sizes).param_shapes().values()
        assert sizes[0] == layers[0] and sizes[-1] == layers[-1]
        assert len(set(shapes)) == len(list(shapes)) and all(a != b for a, b in list(shapes)[::2])


def test_non_square_weights_have_one_reading():
    values = {"W1": np.zeros((2, 3)), "b1": np.zeros((1, 3)), "W2": np.zeros((3, 1)), "b2": np.zeros((1, 1))}
    found = mappings(entries_of(values, attributes=True), depth=2, n_in=2, n_out=1, bias=True)
    assert found[0].layout.name == "row"
    assert [s.label for s in found[0].slots()] == ["W1", "b1", "W2", "b2"]
    # other layouts only as readings with a bias the other way round from the samples, tried after
    assert all(any(s.turned for s in m.slots()) for m in found[1:])


def test_square_weights_keep_every_layout_as_a_candidate():
    """2x2 weights fit several layouts: all of them are kept for the forward probes to decide."""
    values = {"W": [np.zeros((2, 2)), np.zeros((2, 1))], "b": [np.zeros((2, 1)), np.zeros((1, 1))]}
    found = mappings(entries_of(values, attributes=True), depth=2, n_in=2, n_out=1, bias=True)
    assert found[0].layout.name == "column-in-out"
    assert all(any(s.turned for s in m.slots()) for m in found if m.layout.name != "column-in-out")
    square = {"W1": np.zeros((2, 2)), "W2": np.zeros((2, 2)), "W3": np.zeros((2, 1)),
              "b1": np.zeros(2), "b2": np.zeros(2), "b3": np.zeros(1)}
    found = mappings(entries_of(square, attributes=False), depth=3, n_in=2, n_out=1, bias=True)
    assert {"row", "column-in-out"} <= {m.layout.name for m in found}
    assert found[0].layout.name == "row" and [s.label for s in found[0].slots()][:2] == ["W1", "b1"]
    assert all(s.flat for s in found[0].slots() if s.name.startswith("b"))


def test_bias_less_weights_need_a_constant_input_column():
    values = {"W1": np.zeros((3, 4)), "W2": np.zeros((4, 1))}
    found = mappings(entries_of(values, attributes=False), depth=2, n_in=2, n_out=1, bias=True)
    assert found and found[0].bias_column and found[0].layers == (3, 4, 1) and found[0].biases is None
    without = {"W1": np.zeros((2, 4)), "W2": np.zeros((4, 1))}
    assert mappings(entries_of(without, attributes=False), depth=2, n_in=2, n_out=1, bias=True) == []


def test_layouts_convert_weights_and_samples_separately():
    W, X = np.arange(6.0).reshape(2, 3), np.arange(10.0).reshape(5, 2)
    mixed = Layout.named("column-in-out")
    assert mixed.column and not mixed.weights_transposed
    assert mixed.to_student(X).shape == (2, 5) and mixed.weight_to_student(W).shape == (2, 3)
    torch_like = Layout.named("row-out-in")
    assert torch_like.to_student(X).shape == (5, 2) and torch_like.weight_to_student(W).shape == (3, 2)
    slot = Slot("b1", "b1", "self", flat=True)
    assert slot.to_student(np.ones((1, 3)), torch_like).shape == (3,)
    assert slot.from_student(np.ones(3), torch_like).shape == (1, 3)


# -- gradients read from a result ----------------------------------------------------------------------

def _plan(layout: str = "row") -> Plan:
    slots = tuple(Slot(n, n, "self", (("a", n),)) for n in ("W1", "b1", "W2", "b2"))
    return Plan(style="class", layout=Layout.named(layout), slots=slots, network=Network((2, 3, 1)),
                state=ClassState("Net"), forward=None)


def test_gradients_are_matched_by_shape_when_every_shape_is_its_own():
    grads = (np.zeros((3, 1)), np.zeros((1, 1)), np.zeros((2, 3)), np.zeros((1, 3)))  # layer 2 first
    found = gradient_map(grads, _plan(), Network((2, 3, 1)), None)
    assert found is not None and dict(found.paths) == {"W1": (("i", 2),), "b1": (("i", 3),), "W2": (("i", 0),),
                                                       "b2": (("i", 1),)}


def test_gradients_of_equal_shapes_are_matched_by_name():
    net = Network((2, 2, 2))
    grads = {"db2": np.zeros((1, 2)), "dW2": np.zeros((2, 2)), "dW1": np.zeros((2, 2)), "db1": np.zeros((1, 2))}
    found = gradient_map(grads, _plan(), net, None)
    assert found is not None and dict(found.paths)["W2"] == (("i", "dW2"),) and found.container == "dict"


# -- source and namespace --------------------------------------------------------------------------------

def test_source_index_reads_returned_names_of_functions_and_methods():
    index = SourceIndex.of_texts(["def forward(X, W1):\n    if X is None:\n        return None\n    return A1, A2\n",
                                  "class C:\n    def f(self):\n        return self.out\n",
                                  "def g():\n    return {'dW1': 1}\n", "this is not python"])
    assert index.names("forward") == ("A1", "A2") and index.names("C.f") == ("out",)
    assert index.returned("g").kind == "dict"


def test_indentation_hints_name_the_class_the_methods_left():
    namespace = [{"name": "Net", "kind": "class"}, {"name": "forward", "kind": "function", "signature": "(self, X)"},
                 {"name": "helper", "kind": "function", "signature": "(x)"}]
    assert indentation_hints(namespace) == [
        "forward is defined at module level, not inside class Net: check the indentation"]


def test_self_check_carries_every_definition_when_nothing_is_pinned():
    from grader.spec.assignment import load_assignment
    from grader.platforms.selfcheck.check import _roots

    def forward(X, params):
        return X

    class Net:
        pass

    forward.__module__ = Net.__module__ = "__main__"
    namespace = {"__name__": "__main__", "np": np, "forward": forward, "Net": Net, "_hidden": forward, "lr": 0.5}
    assert _roots(load_assignment("two-layer"), namespace) == ["SimpleNN"]
    assert _roots(load_assignment("two-layer").unpinned(), namespace) == ["forward", "Net"]
