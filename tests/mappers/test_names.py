"""Node names: each builder names its nodes as its code does, deterministically; names are checked; the IR's
layers carry them."""

import pytest

from mappers.graph.mappers import FlattenMapper, InputMapper
from mappers.graph.names import checked_names, unique_name
from mappers.graph.representation import MapperGraph
from mappers.ir.soft_mapping import CoreBudget, map_soft_cores
from mappers.zoo import Recipe, build_model


def names(builder: str, config: dict, shape: tuple[int, ...]) -> tuple[str, ...]:
    return build_model(Recipe(builder, config, shape, 10)).names


def test_mlp_and_conv_name_their_layers_fc_and_conv():
    assert names("mlp", {"hidden": [32, 16]}, (1, 8, 8)) == ("input", "flatten", "fc1", "fc2", "fc3")
    assert names("conv", {"channels": [4, 8, 8], "pool_after": [1], "hidden": [10]}, (1, 8, 8)) == (
        "input", "conv1", "conv2", "conv2.pool", "conv3", "flatten", "fc1", "fc2")


def test_squeezenet_names_follow_its_fire_modules():
    fires = [{"squeeze": 4, "expand": 8, "pool": False}, {"squeeze": 4, "expand": 8, "pool": True}]
    assert names("squeezenet", {"stem": 8, "fires": fires}, (1, 8, 8)) == (
        "input", "stem", "stem_pool", "fire2.squeeze", "fire2.expand1x1", "fire2.expand3x3", "fire2.concat",
        "fire3.squeeze", "fire3.expand1x1", "fire3.expand3x3", "fire3.concat", "fire3.pool", "classifier", "average")


def test_mixer_names_its_blocks():
    assert names("mixer", {"patch": 4, "mixers": 1}, (1, 8, 8)) == (
        "input", "patches", "embedding", "mixer1.to_tokens", "mixer1.token_mixing.fc1", "mixer1.token_mixing.fc2",
        "mixer1.to_channels", "mixer1.channel_mixing.fc1", "mixer1.channel_mixing.fc2", "flatten", "readout")


def test_cores_and_compute_ops_carry_the_layer_names_in_graph_order():
    model = build_model(Recipe("conv", {"channels": [2, 2], "pool_after": [0]}, (1, 4, 4), 3))
    ir = map_soft_cores(model, CoreBudget(((32, 8),)))
    assert ir.cores[0].layer == "conv1@0[0:2]" and ir.ops[0].layer == "conv1.pool"
    assert ir.layers() == ["conv1", "conv1.pool", "conv2", "fc1"]


def test_a_graph_without_names_falls_back_to_node_positions():
    assert MapperGraph((4,), [InputMapper(), FlattenMapper((0,))]).names == ("node0", "node1")


@pytest.mark.parametrize("given,problem", [
    (["input", "a", "a"], "node name 'a' is given to several nodes"),
    (["input", "a@1", "b"], "node name 'a@1' is empty or holds one of @ ["),
    (["input", "a[0]", "b"], "node name 'a[0]' is empty or holds one of @ ["),
    (["input", "", "b"], "node name '' is empty"),
    (["input", "a"], "2 names for 3 nodes"),
])
def test_names_must_be_unique_and_free_of_the_core_marks(given, problem):
    with pytest.raises(ValueError, match=problem.replace("[", r"\[")):
        checked_names(given, 3)


def test_unique_names_replace_odd_characters_and_count_repeats():
    taken = {"input"}
    assert [unique_name(n, taken) for n in ("pool", "pool", "blocks.0", "odd@name[1]", "pool_2", "input")] == [
        "pool", "pool_2", "blocks.0", "odd_name_1_", "pool_2_2", "input_2"]
