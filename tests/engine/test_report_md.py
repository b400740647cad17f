"""report.md: the per-layer table in graph order with what was measured; the metric plot's series per split."""

from runner.report_md import layer_table, metric_series


def test_compute_ops_sit_between_the_layers_in_graph_order():
    simulation = {"spikes_per_sample": {"classifier": 2.0, "fire2.squeeze": 4.5, "stem": 10.0},
                  "synaptic_ops_per_sample": {"classifier": 20.0, "fire2.squeeze": 45.0, "stem": 100.0},
                  "departure": {"fire2.squeeze": {"differs": 0.0, "saturated": 0.0},
                                "stem": {"differs": 0.0, "saturated": 0.5},
                                "stem_pool": {"differs": 0.25, "saturated": 0}},
                  "first_departure": "stem_pool"}
    lines = layer_table(simulation, ["stem", "stem_pool", "fire2.squeeze", "classifier"])
    rows = lines[lines.index("| --- | ---: | ---: | ---: | ---: |") + 1:]
    assert rows == ["| stem | 10.0 | 100 | 0.00% | 50.00% |", "| stem_pool | - (compute op) | - | 25.00% | 0.00% |",
                    "| fire2.squeeze | 4.5 | 45 | 0.00% | 0.00% |", "| classifier | 2.0 | 20 | - | - |"]
    assert "The chip first departs from the model at **stem_pool**." in lines


def test_layers_outside_the_order_follow_it_by_name():
    simulation = {"spikes_per_sample": {"b": 1.0, "a": 2.0, "fc1": 3.0}, "synaptic_ops_per_sample": {}}
    lines = layer_table(simulation, ["fc1"])
    rows = [line.split(" | ")[0] for line in lines[lines.index("| --- | ---: | ---: | ---: | ---: |") + 1:]]
    assert rows == ["| fc1", "| a", "| b"]


def test_each_split_is_its_own_series_and_steps_without_a_metric_take_no_place():
    steps = [{"name": "model_building", "metric": None, "split": None},
             {"name": "pretraining", "metric": 0.9, "split": "validation"},
             {"name": "weight_quantization", "metric": 0.8, "split": "validation"},
             {"name": "hard_core_mapping", "metric": None, "split": None},
             {"name": "simulation", "metric": 0.85, "split": "test"},
             {"name": "old_row", "metric": 0.7}]
    assert metric_series(steps) == {"validation split": [(0, 0.9), (1, 0.8)], "test split": [(2, 0.85)],
                                    "split not recorded": [(3, 0.7)]}
