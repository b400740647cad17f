"""Supervised training and evaluation on in-memory tensors."""

import torch
from torch import nn

from runner.data import batches
from runner.tuning.augmentation import augment


def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Class predictions (argmax, lowest index on ties) in eval mode, in the model's precision and on its device;
    the predictions on the CPU."""
    model.eval()
    weight = next(model.parameters())
    with torch.no_grad():
        return torch.cat([model(x[i:i + batch_size].to(weight.device, weight.dtype)).argmax(1).cpu()
                          for i in range(0, len(x), batch_size)])


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    return float((predict(model, x) == y).double().mean())


def make_optimizer(model: nn.Module, settings, lr: float | None = None) -> torch.optim.Optimizer:
    """Adam, AdamW (decoupled weight decay) or SGD (momentum 0.9) over the trainable parameters."""
    params = [p for p in model.parameters() if p.requires_grad]
    lr = settings.lr if lr is None else lr
    if settings.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=settings.weight_decay)
    kind = torch.optim.AdamW if settings.optimizer == "adamw" else torch.optim.Adam
    return kind(params, lr=lr, weight_decay=settings.weight_decay)


def train(model: nn.Module, data, settings, *, epochs: int, seed: int, progress=None, log=None,
          lr: float | None = None, device: torch.device | None = None) -> float:
    """Train on `device` (None: where the model is) with cross-entropy (label smoothing), augmentation and a cosine
    learning-rate schedule; returns validation accuracy. Images train in channels-last layout (faster convolutions).
    Batches are drawn and augmented on the CPU (seeded alike on every device); the model leaves as it came."""
    generator = torch.Generator(device="cpu").manual_seed(seed)
    images = data.train_x.dim() == 4
    layout = torch.channels_last if images else torch.contiguous_format
    came_from = next(model.parameters()).device
    device = came_from if device is None else device
    model.to(device=device, memory_format=layout)
    dtype = next(model.parameters()).dtype  # float64 for an imported network: batches follow the model
    optimizer = make_optimizer(model, settings, lr)
    steps_per_epoch = -(-len(data.train_x) // settings.batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, epochs * steps_per_epoch))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=settings.label_smoothing)
    val = accuracy(model, data.val_x, data.val_y)
    bar = progress(epochs, "epochs") if progress else None
    for epoch in range(epochs):
        model.train()
        for xb, yb in batches(data.train_x, data.train_y, settings.batch_size, shuffle=True, generator=generator):
            if images:
                xb = augment(xb, settings.augmentation, generator)
            xb, yb = xb.to(device, dtype).contiguous(memory_format=layout), yb.to(device)
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=settings.precision == "bfloat16"):
                loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            schedule.step()
            loss = loss.detach()
        val = accuracy(model, data.val_x, data.val_y)
        if bar is not None:
            bar.set_postfix(loss=f"{float(loss):.3f}", val=f"{val:.4f}")
            bar.update()
        if log is not None:
            log(f"epoch {epoch + 1}/{epochs}: loss {float(loss):.4f}, validation accuracy {val:.4f}")
    if bar is not None:
        bar.close()
    model.to(device=came_from, memory_format=torch.contiguous_format)
    model.eval()
    return val
