"""Builders: the mapper graphs compute what plain torch networks of the same weights compute."""

import torch
from torch import nn

from mappers.zoo import Recipe, build_model
from mappers.zoo.squeezenet import DEFAULT_FIRES


class Fire(nn.Module):
    def __init__(self, inputs, squeeze, expand):
        super().__init__()
        self.squeeze = nn.Sequential(nn.Conv2d(inputs, squeeze, 1), nn.BatchNorm2d(squeeze), nn.ReLU())
        self.expand1 = nn.Sequential(nn.Conv2d(squeeze, expand, 1), nn.BatchNorm2d(expand), nn.ReLU())
        self.expand3 = nn.Sequential(nn.Conv2d(squeeze, expand, 3, padding=1), nn.BatchNorm2d(expand), nn.ReLU())

    def forward(self, x):
        s = self.squeeze(x)
        return torch.cat([self.expand1(s), self.expand3(s)], 1)


class PlainSqueezeNet(nn.Module):
    """A textbook SqueezeNet 1.1 layout written without any of our classes."""

    def __init__(self, classes=10):
        super().__init__()
        layers = [nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2)]
        channels = 32
        for fire in DEFAULT_FIRES:
            layers.append(Fire(channels, fire["squeeze"], fire["expand"]))
            channels = 2 * fire["expand"]
            if fire["pool"]:
                layers.append(nn.MaxPool2d(2))
        layers += [nn.Conv2d(channels, classes, 1), nn.BatchNorm2d(classes), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                   nn.Flatten()]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def randomize_norms(module):
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.3, 0.3)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)


def test_squeezenet_graph_equals_plain_torch_squeezenet():
    torch.manual_seed(0)
    graph = build_model(Recipe("squeezenet", {}, (1, 28, 28), 10))
    plain = PlainSqueezeNet()
    randomize_norms(plain)
    ours = [m for m in graph.modules() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d))]
    theirs = [m for m in plain.modules() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d))]
    assert [type(m) for m in ours] == [type(m) for m in theirs]
    for a, b in zip(ours, theirs):
        a.load_state_dict(b.state_dict())
    graph.eval(), plain.eval()
    x = torch.rand(4, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(graph(x), plain(x), rtol=1e-5, atol=1e-6)


def test_mixer_at_the_reference_shape_has_145_soft_cores():
    from mappers.graph.scales import compute_per_source_scales
    from mappers.ir.soft_mapping import CoreBudget, map_soft_cores
    graph = build_model(Recipe("mixer", {"patch": 7, "patch_channels": 16, "token_width": 32,
                                         "channel_width": 32}, (1, 28, 28), 10)).eval()
    compute_per_source_scales(graph)
    assert len(map_soft_cores(graph, CoreBudget(((257, 257),))).cores) == 145
