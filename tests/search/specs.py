"""A small architecture search on the embedded digits: tiny MLPs, a short proxy training."""

import textwrap

SEARCH = """\
name: {name}
seed: 5
data:
  provider: digits
  validation: 300
model:
  builder: mlp
platform:
  cores:
    - axons: 257
      neurons: 64
      count: 16
spiking:
  mode: ttfs
  steps: 8
training:
  lr: 0.01
  epochs: 1
  tolerance: 0.5
steps:
  - architecture_search:
      trials: {trials}
      proxy_epochs: {epochs}
      core_budget: 12
      timeout: 120
{extra}  - model_building
"""


def search_spec(folder, name: str, *, trials: int = 6, epochs: int = 1, storage: str | None = None,
                heartbeat: int | None = None):
    """Write the spec into `folder`; `storage:` and `heartbeat:` of the search when given."""
    extra = "".join(f"      {key}: {value}\n" for key, value in (("storage", storage), ("heartbeat", heartbeat))
                    if value is not None)
    path = folder / f"{name}.yaml"
    path.write_text(textwrap.dedent(SEARCH.format(name=name, trials=trials, epochs=epochs, extra=extra)))
    return path
