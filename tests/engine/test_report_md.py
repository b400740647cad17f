"""report.md's per-layer table: neural layers and compute ops in graph order, each with what was measured."""

from runner.report_md import layer_table


def test_compute_ops_sit_between_the_layers_in_graph_order():
    simulation = {"spikes_per_sample": {"node1": 10.0, "node10": 2.0, "node3": 4.5},
                  "synaptic_ops_per_sample": {"node1": 100.0, "node10": 20.0, "node3": 45.0},
                  "departure": {"node1": {"differs": 0.0, "saturated": 0.5},
                                "node2": {"differs": 0.25, "saturated": 0},
                                "node3": {"differs": 0.0, "saturated": 0.0}},
                  "first_departure": "node2"}
    lines = layer_table(simulation)
    rows = [line for line in lines if line.startswith("| node")]
    assert rows == ["| node1 | 10.0 | 100 | 0.00% | 50.00% |", "| node2 | - (compute op) | - | 25.00% | 0.00% |",
                    "| node3 | 4.5 | 45 | 0.00% | 0.00% |", "| node10 | 2.0 | 20 | - | - |"]
    assert "The chip first departs from the model at **node2**." in lines
