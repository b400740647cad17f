"""A small schema language over parsed nodes that reports every error with its line.

Each field's `check(node, path, errors)` returns the plain Python value (or None when it
is wrong) and appends `(line, path, message)` to `errors` instead of stopping.
"""

import difflib
import math
import re
from dataclasses import dataclass, field

from runner.spec.nodes import Node

Errors = list[tuple[int, str, str]]
INT64_MAX = 2 ** 63 - 1
"""Integers beyond 64 bits reach no kernel, seed or tensor: they are out of range whatever the field."""
FROM_SCHEMA = object()
"""A default meaning: the field's own defaults, as if it were given empty."""


def suggest(word: str, known) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(sorted(known))}"


class Field:
    """Base of the schema language: a named expectation about one node."""

    expected = "a value"

    def check(self, node: Node, path: str, errors: Errors):
        if not isinstance(node.value, str):
            errors.append((node.line, path, f"expected {self.expected}, got {_kind(node)}"))
            return None
        return self.convert(node.value, node, path, errors)

    def convert(self, text: str, node: Node, path: str, errors: Errors):
        return text


def _kind(node: Node) -> str:
    if node.value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list"}.get(type(node.value), repr(node.value))


@dataclass
class Number(Field):
    """An integer or float within optional bounds."""

    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    integer: bool = True

    @property
    def expected(self) -> str:
        kind = "an integer" if self.integer else "a number"
        low = None if self.min is None else f"{'>' if self.min_exclusive else '>='} {self.min}"
        high = None if self.max is None else f"<= {self.max}"
        return " ".join([kind] + [b for b in (low, high) if b])

    def convert(self, text, node, path, errors):
        shown = text if len(text) <= 24 else f"{text[:20]}..."
        try:
            value = int(text) if self.integer else float(text)
        except ValueError:
            errors.append((node.line, path, f"expected {self.expected}, got '{shown}'"))
            return None
        if not self.integer and not math.isfinite(value):
            errors.append((node.line, path, f"'{shown}' is not a finite number: expected {self.expected}"))
            return None
        too_low = self.min is not None and (value <= self.min if self.min_exclusive else value < self.min)
        high = self.max if self.max is not None else (INT64_MAX if self.integer else None)
        if too_low or (high is not None and value > high) or (self.integer and value < -INT64_MAX - 1):
            errors.append((node.line, path, f"{shown} is out of range: expected {self.expected}"))
            return None
        return value


def Int(min=None, max=None) -> Number:
    return Number(min, max)


def Float(min=None, max=None, min_exclusive=False) -> Number:
    return Number(min, max, min_exclusive, integer=False)


class Bool(Field):
    expected = "true or false"
    WORDS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}

    def convert(self, text, node, path, errors):
        if text.lower() not in self.WORDS:
            errors.append((node.line, path, f"expected true or false, got '{text}'"))
            return None
        return self.WORDS[text.lower()]


@dataclass
class Str(Field):
    pattern: str | None = None
    expected: str = "a string"

    def convert(self, text, node, path, errors):
        if self.pattern and not re.fullmatch(self.pattern, text):
            errors.append((node.line, path, f"'{text}' is not valid: expected {self.expected}"))
            return None
        return text


class Enum(Field):
    def __init__(self, *choices: str):
        self.choices = choices
        self.expected = "one of " + ", ".join(choices)

    def convert(self, text, node, path, errors):
        if text not in self.choices:
            errors.append((node.line, path,
                           f"'{text}' is not one of {', '.join(self.choices)}{suggest(text, self.choices)}"))
            return None
        return text


@dataclass
class Seq(Field):
    item: Field
    min_items: int = 0
    expected: str = "a block list (- item per line)"

    def check(self, node, path, errors):
        if not isinstance(node.value, list):
            errors.append((node.line, path, f"expected {self.expected}, got {_kind(node)}"))
            return None
        if len(node.value) < self.min_items:
            errors.append((node.line, path, f"needs at least {self.min_items} item(s)"))
        return tuple(self.item.check(child, f"{path}[{i}]", errors) for i, child in enumerate(node.value))


@dataclass
class Map(Field):
    """A mapping with known keys; `fields` values are a Field (required) or (Field, default)."""

    fields: dict = field(default_factory=dict)
    elsewhere: dict = field(default_factory=dict)
    """Keys that are known but belong to another choice: key -> why they are not allowed here."""

    expected = "a mapping"

    def check(self, node, path, errors):
        if node.value is None:
            node = Node({}, node.line)
        if not isinstance(node.value, dict):
            errors.append((node.line, path, f"expected a mapping, got {_kind(node)}"))
            return None
        out = {}
        for key, child in node.value.items():
            where = f"{path}.{key}" if path else key
            if key in self.fields:
                spec = self.fields[key]
                out[key] = (spec[0] if isinstance(spec, tuple) else spec).check(child, where, errors)
            elif key in self.elsewhere:
                errors.append((node.key_lines[key], where, self.elsewhere[key]))
            else:
                errors.append((node.key_lines[key], where, f"unknown key{suggest(key, self.fields)}"))
        for key, spec in self.fields.items():
            if key not in node.value:
                if isinstance(spec, tuple):
                    out[key] = spec[0].check(Node(None, node.line), key, errors) if spec[1] is FROM_SCHEMA else spec[1]
                else:
                    errors.append((node.line, f"{path}.{key}" if path else key, "missing required key"))
        return out


@dataclass
class Choice(Field):
    """A mapping whose key `tag` picks a variant: common fields plus that variant's own."""

    tag: str
    common: dict
    variants: dict
    default_tag: str | None = None

    def check(self, node, path, errors):
        if node.value is None:
            node = Node({}, node.line)
        if not isinstance(node.value, dict):
            return Map(self.common).check(node, path, errors)
        tag_node = node.value.get(self.tag)
        tag_field = Enum(*self.variants)
        if tag_node is None and self.default_tag is None:
            errors.append((node.line, f"{path}.{self.tag}", f"missing required key: {tag_field.expected}"))
            chosen = None
        else:
            chosen = tag_field.check(tag_node, f"{path}.{self.tag}", errors) if tag_node else self.default_tag
        if chosen is None:
            return None  # the variant gives the other keys their meaning: one message, about the tag
        fields = dict(self.common)
        fields.update(self.variants[chosen])
        foreign = {key: f"not used by {self.tag} '{chosen}' "
                        f"(only by {', '.join(t for t, v in self.variants.items() if key in v)})"
                   for extra in self.variants.values() for key in extra if key not in fields}
        out = Map({**fields, self.tag: (tag_field, chosen)}, foreign).check(node, path, errors)
        out[self.tag] = chosen
        return out


class FreeMap(Field):
    """Any block mapping of plain values (constructor arguments): numbers, booleans, strings, lists."""

    expected = "a mapping of plain values"

    def check(self, node, path, errors):
        if node.value is None:
            return {}
        if not isinstance(node.value, dict):
            errors.append((node.line, path, f"expected {self.expected}, got {_kind(node)}"))
            return None
        return {key: self.plain(child, f"{path}.{key}", errors) for key, child in node.value.items()}

    def plain(self, node, path, errors):
        if isinstance(node.value, list):
            return [self.plain(child, f"{path}[{i}]", errors) for i, child in enumerate(node.value)]
        if isinstance(node.value, dict):
            return self.check(node, path, errors)
        text = node.value
        if text is None:
            return None
        for convert in (int, float):
            try:
                return convert(text)
            except ValueError:
                pass
        return Bool.WORDS.get(text.lower(), text)
