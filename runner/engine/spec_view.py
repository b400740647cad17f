"""The spec as one step sees it: a read of a key the step did not declare is refused.

Keys are dotted (`spiking.mode`, `platform.cores`, `training.lr`); a declared key covers the keys
below it. `training.*` are the values after the step's own overrides; `steps.TYPE.PARAM` is a
parameter of another step of the pipeline; `seed` and `data` are keys of their own.
"""

import dataclasses


class UndeclaredRead(RuntimeError):
    """A step read a spec key it does not declare: a bug in the step, caught before it can go stale."""


def covers(declared, key: str) -> bool:
    """Whether the declared keys cover `key` (a key covers itself and everything below it)."""
    return any(key == d or key.startswith(d + ".") for d in declared)


class _Guarded:
    """A settings object whose attributes are spec keys under `prefix`."""

    def __init__(self, value, prefix: str, check):
        self._value, self._prefix, self._check = value, prefix, check

    def __getattr__(self, name: str):
        key = f"{self._prefix}.{name}"
        self._check(key)
        value = getattr(self._value, name)
        return _Guarded(value, key, self._check) if dataclasses.is_dataclass(value) else value


class SpecView:
    """What `ctx.spec` is inside a step: `path`, `name` and `resolve` are free, every other read is checked."""

    def __init__(self, spec, entry, declared: tuple[str, ...]):
        self._spec, self._entry, self._declared = spec, entry, declared
        self.path, self.name, self.resolve = spec.path, spec.name, spec.resolve

    def _check(self, key: str) -> None:
        if not covers(self._declared, key):
            raise UndeclaredRead(f"step '{self._entry.name}' read spec key '{key}' without declaring it in its "
                                 f"`reads` ({', '.join(self._declared) or 'none'})")

    @property
    def seed(self) -> int:
        self._check("seed")
        return self._spec.seed

    def __getattr__(self, name: str):
        if name in ("model", "platform", "spiking"):
            return _Guarded(getattr(self._spec, name), name, self._check)
        raise AttributeError(f"a step reads the spec through declared keys, not '{name}'")

    def section(self, name: str) -> dict:
        self._check(name)
        return self._spec.section(name)

    def training(self):
        """The training settings with this step's own overrides."""
        return _Guarded(self._spec.training_for(self._entry), "training", self._check)

    def step_param(self, step_type: str, key: str):
        """Parameter `key` of the pipeline's step of type `step_type` (None when unset or absent)."""
        self._check(f"steps.{step_type}.{key}")
        return self._spec.step_param(step_type, key)
