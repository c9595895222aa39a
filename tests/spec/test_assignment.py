"""Assignment specs: the built-ins, their training settings, YAML, and validation errors."""
from __future__ import annotations

import copy
import dataclasses
import tomllib
from typing import Any, Callable

import numpy as np
import pytest
import yaml

from grader.spec.assignment import CHECK_IDS, Assignment, builtin_folder, builtin_names, load_assignment, parse_assignment
from grader.errors import SpecError, UnknownAssignmentError, UsageError
from grader.spec.formats import read_spec
from reference import preset, xor

BUILTINS = ("deep-relu-softmax", "three-layer", "two-layer", "two-layer-bce")


def spec_data(name: str = "two-layer") -> dict[str, Any]:
    """The parsed data of a built-in spec (a fresh copy to edit)."""
    return tomllib.loads((builtin_folder() / name / "spec.toml").read_text(encoding="utf-8"))


def without_source(assignment: Assignment) -> Assignment:
    return dataclasses.replace(assignment, source=None)


# -- built-ins -------------------------------------------------------------------------------------

def test_the_four_builtins_are_listed():
    assert builtin_names() == list(BUILTINS)


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_spec_loads(name):
    a = load_assignment(name)
    assert a.name == name
    assert a.source == builtin_folder() / name / "spec.toml"
    assert set(a.points) <= set(CHECK_IDS) and a.max_score == sum(a.points.values()) > 0
    assert list(a.interface.parameters) == a.network.param_names()
    assert a.one_hot == (a.network.loss == "softmax_ce")


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_network_is_the_reference_preset(name):
    assert load_assignment(name).network == preset(name)


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_training_settings_solve_xor_with_the_reference(name):
    a = load_assignment(name)
    t = a.training
    params = a.network.init(np.random.default_rng(t.seed), scale=t.scale, bias_scale=t.bias_scale)
    X, Y = xor(one_hot=a.one_hot)
    run = a.network.train(params, X, Y, lr=t.lr, epochs=t.epochs)
    assert run.losses[-1] < t.max_loss_ratio * run.losses[0]
    predictions = a.network.predict(run.params, X)
    if a.one_hot:
        assert np.array_equal(predictions.argmax(axis=1), Y.argmax(axis=1))
    else:
        assert np.all((predictions > 0.5) == (Y > 0.5)), predictions


# -- YAML and paths --------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
@pytest.mark.parametrize("name", BUILTINS)
def test_yaml_copy_loads_to_an_equal_assignment(tmp_path, name, suffix):
    path = tmp_path / f"spec{suffix}"
    path.write_text(yaml.safe_dump(spec_data(name), sort_keys=False), encoding="utf-8")
    loaded = load_assignment(path)
    assert loaded.source == path
    assert without_source(loaded) == without_source(load_assignment(name))


def test_spec_path_works_with_load_assignment(tmp_path):
    text = (builtin_folder() / "two-layer" / "spec.toml").read_text(encoding="utf-8")
    path = tmp_path / "my-lab.toml"
    path.write_text(text.replace('name = "two-layer"', 'name = "my-lab"'), encoding="utf-8")
    for argument in (path, str(path)):
        a = load_assignment(argument)
        assert a.name == "my-lab" and a.source == path and a.folder == tmp_path


def test_folder_with_a_spec_works_with_load_assignment(tmp_path):
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec_data("three-layer")), encoding="utf-8")
    a = load_assignment(tmp_path)
    assert a.name == "three-layer" and a.source == tmp_path / "spec.yaml"


def test_unknown_assignment_lists_the_builtins():
    with pytest.raises(UnknownAssignmentError) as info:
        load_assignment("no-such-lab")
    assert isinstance(info.value, UsageError) and info.value.exit_code == 2
    assert "no-such-lab" in info.value.message
    for name in BUILTINS:
        assert name in info.value.message


# -- validation ------------------------------------------------------------------------------------

def parse_edited(edit: Callable[[dict[str, Any]], None]) -> Assignment:
    data = copy.deepcopy(spec_data())
    edit(data)
    return parse_assignment(data)


@pytest.mark.parametrize("section", ["network", "interface", "training", "probe", "points", "tolerances"])
def test_unknown_field_in_a_section_is_a_spec_error(section):
    with pytest.raises(SpecError) as info:
        parse_edited(lambda d: d[section].update(colour="blue"))
    assert f"[{section}]" in info.value.message and "unknown field(s) colour" in info.value.message


def test_unknown_field_in_assignment_section_is_a_spec_error():
    with pytest.raises(SpecError, match="titel"):
        parse_edited(lambda d: d["assignment"].update(titel="My lab"))


def test_unknown_top_level_section_is_a_spec_error():
    with pytest.raises(SpecError, match="tolerance"):
        parse_edited(lambda d: d.update(tolerance={"forward": {"rtol": 0.5}}))


def test_unknown_key_in_a_tolerance_is_a_spec_error():
    with pytest.raises(SpecError, match="atl"):
        parse_edited(lambda d: d["tolerances"].update(forward={"rtol": 1e-3, "atl": 1e-3}))


def test_tolerance_that_is_not_a_table_is_a_spec_error():
    with pytest.raises(SpecError, match="forward"):
        parse_edited(lambda d: d["tolerances"].update(forward=1e-3))


@pytest.mark.parametrize("section, field", [
    ("assignment", "name"), ("network", "layers"), ("training", "epochs"), ("training", "lr"), ("training", "seed"),
])
def test_missing_required_field_is_a_spec_error(section, field):
    with pytest.raises(SpecError) as info:
        parse_edited(lambda d: d[section].pop(field))
    assert info.value.message.endswith(f"missing required field {field!r}")


def test_stop_when_solved_defaults_to_true_with_a_twentieth_of_the_budget_per_checkpoint():
    t = load_assignment("two-layer").training
    assert t.stop_when_solved is True and t.epochs == 2000 and t.checkpoint == 100
    assert dataclasses.replace(t, epochs=1010).checkpoint == 51  # rounded up: 20 checkpoints at most
    assert dataclasses.replace(t, epochs=7).checkpoint == 1


def test_stop_when_solved_false_trains_in_one_segment():
    t = parse_edited(lambda d: d["training"].update(stop_when_solved=False)).training
    assert t.stop_when_solved is False and t.checkpoint == t.epochs == 2000


def test_stop_when_solved_that_is_not_a_boolean_is_a_spec_error():
    with pytest.raises(SpecError, match=r"\[training\]: stop_when_solved must be true or false \(got 'no'\)"):
        parse_edited(lambda d: d["training"].update(stop_when_solved="no"))


def test_missing_training_section_is_a_spec_error():
    with pytest.raises(SpecError, match="missing required field 'epochs'"):
        parse_edited(lambda d: d.pop("training"))


def test_section_that_is_not_a_table_is_a_spec_error():
    with pytest.raises(SpecError, match=r"\[network\] must be a table"):
        parse_edited(lambda d: d.update(network=[2, 4, 1]))


def test_bad_layout_is_a_spec_error():
    with pytest.raises(SpecError, match="layout must be 'row' or 'column'"):
        parse_edited(lambda d: d["interface"].update(layout="diagonal"))


def test_parameter_count_mismatch_is_a_spec_error():
    with pytest.raises(SpecError) as info:
        parse_edited(lambda d: d["interface"].update(parameters=["W1", "W2"]))
    assert "lists 2 parameters" in info.value.message and "has 4 (W1, b1, W2, b2)" in info.value.message


def test_unknown_activation_is_a_spec_error():
    with pytest.raises(SpecError, match="unknown hidden activation 'tanhh'"):
        parse_edited(lambda d: d["network"].update(hidden="tanhh"))


def test_no_points_is_a_spec_error():
    with pytest.raises(SpecError, match="no check any points"):
        parse_edited(lambda d: d.update(points={}))


def test_spec_errors_carry_the_source_path(tmp_path):
    data = spec_data()
    data["interface"]["layout"] = "diagonal"
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_assignment(path)
    assert str(path) in info.value.message and info.value.exit_code == 2


def test_unknown_suffix_is_a_spec_error_in_read_spec(tmp_path):
    path = tmp_path / "spec.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(SpecError) as info:
        read_spec(path)
    assert "unknown spec format '.json'" in info.value.message


def test_unknown_suffix_is_a_spec_error_in_load_assignment(tmp_path):
    path = tmp_path / "spec.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(SpecError, match="unknown spec format"):
        load_assignment(path)


@pytest.mark.parametrize("text", ["- 1\n- 2\n", "a: [1, 2\n"])
def test_yaml_that_is_not_a_mapping_is_a_spec_error(tmp_path, text):
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match="cannot read the yaml spec"):
        load_assignment(path)


def test_broken_toml_is_a_spec_error(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text("[network\nlayers = [2, 4, 1]\n", encoding="utf-8")
    with pytest.raises(SpecError, match="cannot read the toml spec"):
        load_assignment(path)
