"""torch.fx conversion: equal forwards for every supported op; clear errors with node and line."""

import inspect

import pytest
import torch
from torch import nn

from mappers.torch_fx.convert import convert
from mappers.torch_fx.trace import Unrepresentable
from tests.mappers import torch_models
from tests.mappers.torch_models import (BranchNet, BranchyNet, ConvNet, ExitingNet, LinearNet, ResidualNet,
                                       ResidualPoolNet, SharedPoolNet)

SOURCE = inspect.getsourcefile(torch_models)


def randomized(module):
    torch.manual_seed(0)
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.running_mean.uniform_(-0.3, 0.3)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
    return module.eval()


@pytest.mark.parametrize("cls,shape", [(LinearNet, (12,)), (ConvNet, (2, 8, 8)), (BranchNet, (1, 4, 4)),
                                       (ResidualPoolNet, (1, 8, 8))])
def test_converted_forward_equals_the_original(cls, shape):
    module = randomized(cls())
    graph = convert(module, shape, SOURCE)
    x = torch.rand(16, *shape)
    with torch.no_grad():
        torch.testing.assert_close(graph(x), module(x), rtol=1e-5, atol=1e-5)


def test_the_example_spec_model_converts():
    from pathlib import Path
    import importlib.util
    path = Path(__file__).resolve().parents[2] / "spec" / "models" / "small_cnn.py"
    spec = importlib.util.spec_from_file_location("small_cnn", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    net = randomized(module.SmallCNN())
    graph = convert(net, (1, 8, 8), str(path))
    x = torch.rand(8, 1, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(graph(x), net(x), rtol=1e-5, atol=1e-5)
    assert graph.source_names["nodes.1.perceptron.layer"] == "conv1"


@pytest.mark.parametrize("cls,shape,names", [
    (LinearNet, (12,), ("input", "view", "fc1", "fc2")),
    (BranchNet, (1, 4, 4), ("input", "a", "b", "cat", "rearrange", "fc")),
    (ResidualPoolNet, (1, 8, 8), ("input", "stem", "body", "add", "pool", "flatten", "fc")),
    (SharedPoolNet, (1, 8, 8), ("input", "features.0", "features.2", "pool", "pool_2", "max_pool2d", "flatten", "fc")),
])
def test_nodes_are_named_by_module_path_or_fx_node(cls, shape, names):
    """A layer by its module's attribute path (BatchNorm and ReLU absorbed), a function call by its fx node; a
    module called again gets a count."""
    assert convert(randomized(cls()), shape, SOURCE).names == names


def test_unsupported_ops_are_listed_with_their_source_line():
    with pytest.raises(Unrepresentable) as info:
        convert(ResidualNet(), (8,), SOURCE)
    problems = "\n".join(info.value.problems)
    line = inspect.getsourcelines(ResidualNet.forward)[1] + 2
    assert problems == f"{SOURCE}:{line}: torch.sin: this operation has no crossbar or compute-op equivalent: " \
        "compute it outside the model or use an operation the chip runs (mappers/README.md lists them)"


def test_untraceable_branch_names_the_line():
    with pytest.raises(Unrepresentable) as info:
        convert(BranchyNet(), (4,), SOURCE)
    line = inspect.getsourcelines(BranchyNet.forward)[1] + 1
    assert f"torch_models.py:{line}" in info.value.problems[0]
    assert "data-dependent" in info.value.problems[0]


def test_check_reports_unrepresentable_modules_before_running(tmp_path):
    import subprocess
    import sys
    from tests.engine.conftest import SMALL
    text = SMALL.replace("  builder: mlp\n  config:\n    hidden:\n      - 24\n",
                         f"  builder: torch\n  config:\n    file: {SOURCE}\n    class: ResidualNet\n").replace(
        "  - model_building", "  - torch_mapping").replace("  features: 12", "  features: 8")
    (tmp_path / "spec.yaml").write_text(text)
    result = subprocess.run([sys.executable, "-m", "runner.cli", str(tmp_path / "spec.yaml"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    line = inspect.getsourcelines(ResidualNet.forward)[1] + 2
    assert "ResidualNet cannot be mapped to the chip" in result.stderr
    assert f"torch_models.py:{line}: torch.sin: this operation has no crossbar" in result.stderr


def test_sys_exit_in_forward_is_unrepresentable_with_its_line():
    with pytest.raises(Unrepresentable) as info:
        convert(ExitingNet(), (4,), SOURCE)
    line = inspect.getsourcelines(ExitingNet.forward)[1] + 3
    assert f"sys.exit('done') (at {SOURCE}:{line}); forward() must return its output" in info.value.problems[0]


def test_an_interrupt_in_forward_is_not_swallowed():
    with pytest.raises(KeyboardInterrupt):
        convert(ExitingNet(interrupt=True), (4,), SOURCE)
