"""A small ResNet for 28x28 single-channel images, written the torchvision way (plain torch, no project imports).

BasicBlocks with bias-free convolutions and BatchNorm, `out += identity`, a 1x1 convolution with BatchNorm on the
skip where a block downsamples, an adaptive average pool and a linear classifier.
"""

import torch
from torch import nn


def conv3x3(inplanes: int, planes: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(inplanes, planes, kernel_size=3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
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


class SmallResNet(nn.Module):
    """A stem (3x3 convolution, max-pool), `blocks` BasicBlocks at `width` channels, then `blocks` at twice the
    width, the first of them downsampling by 2; global average pool, classifier."""

    def __init__(self, width: int = 24, blocks: int = 1, classes: int = 10):
        super().__init__()
        self.conv1 = conv3x3(1, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=2)
        self.layer1 = nn.Sequential(*[BasicBlock(width, width) for _ in range(blocks)])
        downsample = nn.Sequential(nn.Conv2d(width, 2 * width, kernel_size=1, stride=2, bias=False),
                                   nn.BatchNorm2d(2 * width))
        self.layer2 = nn.Sequential(BasicBlock(width, 2 * width, 2, downsample),
                                    *[BasicBlock(2 * width, 2 * width) for _ in range(blocks - 1)])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(2 * width, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)
