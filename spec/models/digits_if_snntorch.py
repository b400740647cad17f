"""Make digits_if.nir, the network spec/nir_import_digits.yaml deploys: an integrate-and-fire MLP trained on the
8x8 digits with snnTorch (surrogate gradients through the spikes) and written by snnTorch's own NIR export.

    pip install snntorch==1.0.0 --no-deps      # snnTorch is not a dependency of this project
    python spec/models/digits_if_snntorch.py   # writes spec/models/digits_if.nir

The neurons are snnTorch's Leaky with beta = 1 (no leak), threshold 1 and reset to zero, which its export writes
as NIR LIF nodes with tau = r = infinity and v_reset = 0. The inputs are the chip's own spike trains (uniform
encoding over the 32 cycles); the class scores are the readout's summed currents.
"""

from pathlib import Path

import nir
import snntorch as snn
from snntorch import utils
import torch
from snntorch.export_nir import export_to_nir

from runner.data import load_data
from simulator.reference import input_train

STEPS, HIDDEN, EPOCHS = 32, 64, 40


def network() -> torch.nn.Sequential:
    neurons = snn.Leaky(beta=torch.ones(HIDDEN), threshold=torch.ones(HIDDEN), reset_mechanism="zero",
                        init_hidden=True)
    return torch.nn.Sequential(torch.nn.Linear(64, HIDDEN), neurons, torch.nn.Linear(HIDDEN, 10))


def scores(net: torch.nn.Sequential, x: torch.Tensor) -> torch.Tensor:
    """The readout's currents summed over the cycles the inputs spike in."""
    utils.reset(net)
    return sum(net(input_train(x, t, STEPS, "uniform", None).float()) for t in range(STEPS))


def main() -> None:
    torch.manual_seed(0)
    data = load_data("digits", seed=0, validation=300)
    x, y = data.train_x.flatten(1), data.train_y
    net = network()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.002)
    for epoch in range(EPOCHS):
        for batch in torch.randperm(len(x)).split(64):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(scores(net, x[batch]) / STEPS, y[batch]).backward()
            optimizer.step()
        with torch.no_grad():
            accuracy = float((scores(net, data.val_x.flatten(1)).argmax(1) == data.val_y).float().mean())
        print(f"epoch {epoch + 1}/{EPOCHS}: validation accuracy {accuracy:.4f}", flush=True)
    target = Path(__file__).with_name("digits_if.nir")
    nir.write(target, export_to_nir(net, torch.zeros(64)))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
