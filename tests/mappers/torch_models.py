"""Small user-style torch modules for the conversion tests (plain torch, as users write them)."""

import sys

import einops
import torch
from torch import nn


class LinearNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.bn = nn.Linear(12, 16), nn.BatchNorm1d(16)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc2(nn.functional.relu(self.bn(self.fc1(x.view(x.size(0), -1)))))


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 6, 3, padding=1)
        self.bn = nn.BatchNorm2d(6)
        self.act = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.drop = nn.Dropout(0.3)
        self.head = nn.Conv2d(6, 3, 1)
        self.gap = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        x = self.drop(self.pool(self.act(self.bn(self.conv(x)))))
        return torch.flatten(self.gap(torch.relu(self.head(x))), 1)


class BranchNet(nn.Module):
    """Two branches joined by torch.cat, an einops rearrangement, AvgPool-free flatten."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Conv2d(1, 2, 1), nn.Conv2d(1, 3, 3, padding=1)
        self.fc = nn.Linear(5 * 4 * 4, 4)

    def forward(self, x):
        y = torch.cat([torch.relu(self.a(x)), torch.relu(self.b(x))], dim=1)
        y = einops.rearrange(y, "b c h w -> b (h w c)")
        return self.fc(y)


class ResidualNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.out = nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 2)

    def forward(self, x):
        h = torch.relu(self.fc1(x))
        return self.out(torch.sin(self.fc2(h)) + h)


class BranchyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        if x.sum() > 0:
            return self.fc(x)
        return self.fc(-x)


class ResidualPoolNet(nn.Module):
    """A residual block (relu(x + f(x))) and an average pool, as users write them."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, padding=1)
        self.body = nn.Conv2d(4, 4, 1)
        self.pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x):
        h = torch.relu(self.stem(x))
        h = torch.relu(h + torch.relu(self.body(h)))
        return self.fc(torch.flatten(self.pool(h), 1))


class ExitingNet(nn.Module):
    """Ends the process from forward(), or interrupts it (`interrupt`), as a traced call would."""

    def __init__(self, interrupt: bool = False):
        super().__init__()
        self.fc, self.interrupt = nn.Linear(4, 2), interrupt

    def forward(self, x):
        if self.interrupt:
            raise KeyboardInterrupt
        sys.exit("done")


class SharedPoolNet(nn.Module):
    """One pooling module called twice, blocks in a Sequential, a functional max-pool."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 1), nn.ReLU())
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        h = self.pool(self.features(x))
        h = nn.functional.max_pool2d(self.pool(h), 2)
        return self.fc(h.flatten(1))


class NoBiasNet(nn.Module):
    """Convolutions before BatchNorm without bias, and a bias-free readout (8x8 digits)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 6, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(6)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(6 * 4 * 4, 10, bias=False)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(torch.relu(self.bn(self.conv(x)))), 1))


class FlattenIdiomsNet(nn.Module):
    """A functional average pool with keyword arguments, then one of the flatten idioms of real code (`idiom`)."""

    IDIOMS = {
        "view_size": lambda x: x.view(x.size(0), -1),
        "view_shape": lambda x: x.view(x.shape[0], -1),
        "view_batch_of_size": lambda x: x.view(x.size()[0], -1),
        "view_minus_one": lambda x: x.view(-1, 6 * 4 * 4),
        "reshape_shape": lambda x: x.reshape(x.shape[0], -1),
        "reshape_tuple": lambda x: torch.reshape(x, (x.size(0), 6 * 4 * 4)),
        "flatten_keyword": lambda x: torch.flatten(x, start_dim=1),
        "view_wrong_width": lambda x: x.view(-1, 6 * 4),
        "view_constant_batch": lambda x: x.reshape(1, -1),
    }

    def __init__(self, idiom: str = "view_size"):
        super().__init__()
        width = 6 * 4 if idiom == "view_wrong_width" else 6 * 4 * 4
        self.conv, self.fc, self.flatten = nn.Conv2d(1, 6, 3, padding=1), nn.Linear(width, 10), self.IDIOMS[idiom]

    def forward(self, x):
        x = nn.functional.avg_pool2d(torch.relu(self.conv(x)), kernel_size=2, stride=(2, 2))
        return self.fc(self.flatten(x))


class SoftmaxNet(nn.Module):
    """The pytorch/examples MNIST ending: a classifier, then one of the softmax forms (`ending`) over the classes."""

    ENDINGS = {
        "log_softmax": lambda x: nn.functional.log_softmax(x, dim=1),
        "softmax": lambda x: nn.functional.softmax(x, -1),
        "method": lambda x: x.log_softmax(1),
        "torch_softmax": lambda x: torch.softmax(x, dim=1),
        "LogSoftmax": nn.LogSoftmax(dim=1),
        "Softmax": nn.Softmax(dim=1),
        "over_the_batch": lambda x: nn.functional.log_softmax(x, dim=0),
        "before_the_classifier": None,
    }

    def __init__(self, ending: str = "log_softmax"):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(64, 16), nn.Linear(16, 10)
        self.ending = self.ENDINGS[ending] or self.ENDINGS["softmax"]
        self.early = ending == "before_the_classifier"

    def forward(self, x):
        x = torch.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(self.ending(x)) if self.early else self.ending(self.fc2(x))


class CeilPoolNet(nn.Module):
    """SqueezeNet 1.1's `MaxPool2d(3, 2, ceil_mode=True)` (odd sizes, so the last windows hang over the edge), and a
    functional max-pool with `pool` as its keyword arguments (dilation, padding, ceil mode), `features` outputs."""

    def __init__(self, features: int = 64, **pool):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.pool1 = nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)
        self.conv2 = nn.Conv2d(8, 16, 1)
        self.pool, self.fc = pool or {"kernel_size": 2}, nn.Linear(features, 10)

    def forward(self, x):
        x = self.pool1(torch.relu(self.conv(x)))
        x = nn.functional.max_pool2d(torch.relu(self.conv2(x)), **self.pool)
        return self.fc(torch.flatten(x, 1))


class CeilAveragePoolNet(nn.Module):
    """An average pool in ceil mode on 8x8 maps: the same windows as without it for `kernel` 2, one more for 3."""

    def __init__(self, kernel: int):
        super().__init__()
        self.conv, self.pool = nn.Conv2d(1, 2, 3, padding=1), nn.AvgPool2d(kernel, 2, ceil_mode=True)
        self.fc = nn.Linear(2 * 4 * 4, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(torch.relu(self.conv(x))), 1))


class BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock, as written there (bias-free convolutions, `out += identity`)."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        out = self.relu(out)
        return out


class Bottleneck(nn.Module):
    """torchvision's ResNet Bottleneck (1x1, 3x3 with the stride, 1x1 expanding by 4), as written there."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(inplanes, planes, 1, bias=False), nn.BatchNorm2d(planes)
        self.conv2, self.bn2 = nn.Conv2d(planes, planes, 3, stride, padding=1, bias=False), nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * self.expansion, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class TinyResNet(nn.Module):
    """A ResNet the torchvision way on 8x8 digits: a stem, a block without and a block with a downsample (stride 2,
    1x1 convolution and BatchNorm on the skip), adaptive average pool, classifier."""

    def __init__(self, block: str = "basic"):
        super().__init__()
        kind, planes = (BasicBlock, 8) if block == "basic" else (Bottleneck, 2)
        width = planes * kind.expansion
        self.conv1, self.bn1 = nn.Conv2d(1, width, 3, padding=1, bias=False), nn.BatchNorm2d(width)
        self.relu = nn.ReLU()
        self.layer1 = kind(width, planes)
        downsample = nn.Sequential(nn.Conv2d(width, 2 * width, 1, 2, bias=False), nn.BatchNorm2d(2 * width))
        self.layer2 = kind(width, 2 * planes, 2, downsample)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(2 * width, 10)

    def forward(self, x):
        x = self.layer2(self.layer1(self.relu(self.bn1(self.conv1(x)))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class MobileNetBlock(nn.Module):
    """MobileNet's depthwise-separable block (a 3x3 depthwise convolution, groups = channels, then a pointwise one)
    after a stem, and a grouped convolution (`groups` 2)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.depthwise = nn.Sequential(nn.Conv2d(8, 8, 3, 2, padding=1, groups=8, bias=False), nn.BatchNorm2d(8),
                                       nn.ReLU())
        self.pointwise = nn.Sequential(nn.Conv2d(8, 16, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.grouped = nn.Conv2d(16, 8, 3, padding=1, groups=2)
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        x = self.pointwise(self.depthwise(self.stem(x)))
        return self.fc(torch.flatten(torch.relu(self.grouped(x)), 1))


class GroupedResidualNet(nn.Module):
    """A residual block whose last convolution is grouped (not mapped: refused)."""

    def __init__(self):
        super().__init__()
        self.stem, self.conv = nn.Conv2d(1, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1, groups=2)
        self.fc = nn.Linear(4 * 8 * 8, 10)

    def forward(self, x):
        x = torch.relu(self.stem(x))
        return self.fc(torch.flatten(torch.relu(self.conv(x) + x), 1))


class TanhLeNet(nn.Module):
    """LeNet-5 as a course writes it, for 8x8 digits: Tanh after every layer, average pools, three linear layers."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 5, padding=2), nn.Conv2d(6, 16, 3, padding=1)
        self.pool = nn.AvgPool2d(2)
        self.fc1, self.fc2, self.fc3 = nn.Linear(16 * 2 * 2, 48), nn.Linear(48, 32), nn.Linear(32, 10)
        self.tanh = nn.Tanh()

    def forward(self, x):
        x = self.pool(self.tanh(self.conv1(x)))
        x = self.pool(torch.tanh(self.conv2(x)))
        x = x.view(x.size(0), -1)
        return self.fc3(self.tanh(self.fc2(self.tanh(self.fc1(x)))))


class GeluMLP(nn.Module):
    """A transformer-style MLP: GELU between linear layers, LayerNorm-free."""

    def __init__(self, hidden: int = 64):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(64, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, 10)
        self.act = nn.GELU()

    def forward(self, x):
        x = torch.flatten(x, 1)
        return self.fc3(nn.functional.gelu(self.fc2(self.act(self.fc1(x)))))


ACTIVATIONS = {
    "GELU": nn.GELU(), "GELU_tanh": nn.GELU(approximate="tanh"), "SiLU": nn.SiLU(), "Tanh": nn.Tanh(),
    "Sigmoid": nn.Sigmoid(), "LeakyReLU": nn.LeakyReLU(0.2), "ReLU6": nn.ReLU6(), "Hardtanh": nn.Hardtanh(-0.5, 2.0),
    "ELU": nn.ELU(0.7),
    "F.gelu": lambda x: nn.functional.gelu(x, approximate="tanh"), "F.silu": nn.functional.silu,
    "torch.tanh": torch.tanh, "Tensor.sigmoid": lambda x: x.sigmoid(),
    "F.leaky_relu": lambda x: nn.functional.leaky_relu(x, negative_slope=0.3), "F.relu6": nn.functional.relu6,
    "F.hardtanh": lambda x: nn.functional.hardtanh(x, -2.0, 0.5), "F.elu": nn.functional.elu,
}


class ActivationNet(nn.Module):
    """A convolution, BatchNorm and the activation `kind` (a key of ACTIVATIONS), an average pool, a classifier."""

    def __init__(self, kind: str = "Tanh"):
        super().__init__()
        self.conv, self.bn = nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4)
        self.act = ACTIVATIONS[kind]
        self.pool, self.fc = nn.AvgPool2d(2), nn.Linear(4 * 4 * 4, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.act(self.bn(self.conv(x)))), 1))


class HardswishBlock(nn.Module):
    """A MobileNetV3 block: depthwise and pointwise convolutions with Hardswish, which no adaptation replaces."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.Hardswish())
        self.depthwise = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.BatchNorm2d(8),
                                       nn.ReLU())
        self.pointwise = nn.Sequential(nn.Conv2d(8, 16, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.fc = nn.Linear(16 * 8 * 8, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pointwise(self.depthwise(self.stem(x))), 1))


class SignedInputNet(nn.Module):
    """A Tanh applied to the input itself, before any layer."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(torch.flatten(torch.tanh(x), 1))


class TutorialLeNet(nn.Module):
    """The PyTorch tutorial's LeNet for 8x8 digits: functional max-pools and `num_flat_features`, a loop over
    `x.size()[1:]` (sizes but the batch's are numbers on a fixed input shape)."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 3, padding=1), nn.Conv2d(6, 16, 3, padding=1)
        self.fc1, self.fc2 = nn.Linear(16 * 2 * 2, 32), nn.Linear(32, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(nn.functional.relu(self.conv1(x)), (2, 2))
        x = nn.functional.max_pool2d(nn.functional.relu(self.conv2(x)), 2)
        x = x.view(-1, self.num_flat_features(x))
        return self.fc2(nn.functional.relu(self.fc1(x)))

    def num_flat_features(self, x):
        num_features = 1
        for s in x.size()[1:]:
            num_features *= s
        return num_features


class AdaptivePoolNet(nn.Module):
    """An adaptive average pool to `size` (VGG's `AdaptiveAvgPool2d((7, 7))` on 7x7 features is no pool at all)."""

    def __init__(self, size: int = 4):
        super().__init__()
        self.conv, self.pool = nn.Conv2d(1, 3, 3, padding=1), nn.AdaptiveAvgPool2d((size, size))
        self.fc = nn.Linear(3 * size * size, 10)

    def forward(self, x):
        pooled = self.pool(torch.relu(self.conv(x)))
        return self.fc(torch.flatten(pooled, 1))


class LinearBottleneck(nn.Module):
    """MobileNetV2's inverted residual: `x + self.conv(x)` where the projection ends in BatchNorm, no activation."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU6())
        self.conv = nn.Sequential(nn.Conv2d(8, 16, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6(),
                                  nn.Conv2d(16, 8, 1, bias=False), nn.BatchNorm2d(8))
        self.head = nn.Sequential(nn.Conv2d(8, 16, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6())
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.stem(x)
        x = x + self.conv(x)
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(self.head(x), 1), 1))
