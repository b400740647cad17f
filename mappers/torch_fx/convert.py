"""Convert a traced torch module into a mapper graph: Linear/Conv2d (grouped too) absorb their BatchNorm and ReLU
into Perceptrons, a residual block's `relu(bn(conv(h)) + skip)` becomes one ResidualMapper, pools, concatenations,
flattens and einops rearrangements become mappers; a final softmax is dropped, with a note in `graph.notes`.

The trained weights are carried over (the converted graph holds copies of the user's layers),
and `graph.source_names` maps each of our state keys' prefixes to the user's. A node is named by the user's
module path (`features.3`, `fc1`; a Perceptron by its Linear/Conv2d) or, for a function call, its fx node name.
"""

import copy
import math
import operator

import einops
import torch
from torch import fx, nn

from mappers.graph.mappers import (AddMapper, AvgPoolMapper, ConcatMapper, FlattenMapper, GlobalAvgPoolMapper,
                                   InputMapper, MaxPoolMapper, PerceptronMapper, RearrangeMapper, ResidualMapper)
from mappers.graph.names import unique_name
from mappers.graph.representation import MapperGraph
from mappers.nn.perceptron import Perceptron
from mappers.torch_fx.activations import foreign_activation
from mappers.torch_fx.trace import Unrepresentable, call_arguments, described, operation, source_line, trace

RELUS = (torch.relu, nn.functional.relu)
ADDITIONS = (operator.add, operator.iadd, torch.add)
MAX_POOL = ("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode")
AVG_POOL = ("input", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")
POOL_DEFAULTS = {"stride": None, "padding": 0, "dilation": 1, "ceil_mode": False, "count_include_pad": True,
                 "divisor_override": None}
IDENTITIES = (nn.Dropout, nn.Identity)
SOFTMAX_MODULES = (nn.Softmax, nn.LogSoftmax)
SOFTMAX_FUNCTIONS = (nn.functional.softmax, nn.functional.log_softmax, torch.softmax, torch.log_softmax)


class Converter:
    """Walks the fx graph once, building mapper nodes; collects every problem instead of stopping."""

    def __init__(self, gm: fx.GraphModule, source_file: str | None):
        self.gm, self.source_file = gm, source_file
        self.modules = dict(gm.named_modules())
        self.nodes: list = [InputMapper()]
        self.names, self.taken = ["input"], {"input"}
        self.index: dict[fx.Node, int] = {}
        self.pending: dict[fx.Node, dict] = {}
        self.problems: list[str] = []
        self.failed: set[fx.Node] = set()
        self.notes: list[str] = []
        self.foreign: list[str] = []
        self.source_names: dict[str, str] = {}

    def fail(self, node: fx.Node, what: str) -> None:
        """Report `node` once; what it reads is used, and what reads it is skipped (one message per root cause)."""
        where = f" ({node.target})" if node.op == "call_module" else ""
        self.problems.append(f"{source_line(node, self.source_file)}: {operation(node, self.module_of(node))}{where}: "
                             f"{what}")
        self.skip(node)

    def module_of(self, node: fx.Node) -> nn.Module | None:
        """The module `node` calls (None for a function, a method or the graph's ends)."""
        return self.modules.get(node.target) if node.op == "call_module" else None

    def skip(self, node: fx.Node) -> None:
        """Leave `node` out: it or what it reads was already reported."""
        self.failed.add(node)
        for arg in node.all_input_nodes:
            self.pending.pop(self._pending_for(arg), None)

    def add(self, node: fx.Node, mapper) -> None:
        self.names.append(unique_name(node.target if node.op == "call_module" else node.name, self.taken))
        self.nodes.append(mapper)
        self.index[node] = len(self.nodes) - 1

    def source(self, node: fx.Node, arg) -> int | None:
        """The mapped node `node` reads as `arg` (a pending layer ends there, without activation); None, and `node`
        skipped, when `arg` was not mapped."""
        layer = self._pending_for(arg)
        if layer is not None:
            self.finish(layer, is_output=False, relu=False)
        if arg not in self.index:
            self.skip(node)
            return None
        return self.index[arg]

    def finish(self, layer_node: fx.Node, *, is_output: bool, relu: bool, foreign: tuple | None = None) -> None:
        pending = self.pending.pop(layer_node)
        if not relu and not is_output:
            self.fail(pending["node"], "its output is read without an activation, but chip neurons are ReLUs of "
                                       "weighted sums: end it with a ReLU (or an activation activation_adaptation "
                                       "replaces), unless it is the network's output")
            return self.skip(pending["at"])
        perceptron = self._perceptron(pending, "perceptron", is_output=not relu)
        if foreign is not None:
            perceptron.activation.set_foreign(*foreign)
        if "skip" in pending:
            skip_source, skip = pending["skip"]
            skip = self._perceptron(skip, "skip", is_output=True) if isinstance(skip, dict) else skip
            mapper = ResidualMapper((pending["source"], skip_source), perceptron, skip)
        else:
            mapper = PerceptronMapper(pending["source"], perceptron)
        self.add(pending["node"], mapper)
        self.index[pending["at"]] = self.index[pending["node"]]

    def _perceptron(self, pending: dict, attribute: str, *, is_output: bool) -> Perceptron:
        """The perceptron of a pending layer (and its BatchNorm), to be the next node's `attribute`; the user's
        names recorded for its state keys."""
        perceptron = Perceptron(_with_bias(pending["layer"]), batch_norm=False, is_output=is_output)
        prefix = f"nodes.{len(self.nodes)}.{attribute}"
        if pending["norm"] is not None:
            perceptron.norm = copy.deepcopy(pending["norm"][1])
            self.source_names[f"{prefix}.norm"] = pending["norm"][0]
        self.source_names[f"{prefix}.layer"] = pending["name"]
        return perceptron

    def _residual(self, node: fx.Node) -> None:
        """`bn(conv(h)) + skip` (the torchvision block, before its ReLU): the layer's neurons also read the skip,
        an earlier mapped tensor (identity) or a pending Linear/Conv2d with its BatchNorm (the downsample)."""
        main_arg, skip_arg = node.args[:2] if self._pending_for(node.args[0]) else node.args[1::-1]
        main, downsample = self._pending_for(main_arg), self._pending_for(skip_arg)
        if "skip" in self.pending[main] or node.meta["shape"] != main_arg.meta["shape"]:
            return self.fail(node, "a layer's neurons add one skip of their own shape (x + f(x)), no more")
        if any(getattr(self.pending[layer]["layer"], "groups", 1) > 1 for layer in (main, downsample) if layer):
            return self.fail(node, "a grouped convolution does not end a residual block on the chip: make the "
                                   "block's last convolution (and its downsample) groups=1")
        if downsample is not None:
            skip = self.pending.pop(downsample)
            self.pending[main].update(skip=(skip["source"], skip), at=node)
            return
        source = self.source(node, skip_arg)
        if source is not None:
            self.pending[main].update(skip=(source, _identity(skip_arg.meta["shape"][1:])), at=node)

    def visit(self, node: fx.Node) -> None:
        op, target, module = node.op, node.target, self.module_of(node)
        if any(arg in self.failed for arg in node.all_input_nodes):
            self.skip(node)
        elif op == "placeholder":
            self.index[node] = 0
        elif isinstance(module, (nn.Linear, nn.Conv2d)):
            if isinstance(module, nn.Conv2d) and (module.dilation != (1, 1) or module.padding_mode != "zeros"):
                return self.fail(node, "only convolutions with dilation 1 and zero padding map to cores")
            source = self.source(node, node.args[0])
            if source is not None:
                self.pending[node] = {"layer": module, "name": target, "source": source, "norm": None,
                                      "node": node, "at": node}
        elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            layer = self._pending_for(node.args[0])
            if layer is None or self.pending[layer]["norm"] is not None:
                return self.fail(node, "BatchNorm must directly follow a Linear or Conv2d")
            self.pending[layer].update(norm=(target, module), at=node)
        elif isinstance(module, nn.ReLU) or (op == "call_function" and target in RELUS) or \
                (op == "call_method" and target == "relu"):
            layer = self._pending_for(node.args[0])
            if layer is None and isinstance(self.nodes[self.index.get(node.args[0], 0)], AddMapper):
                self.index[node] = self.index[node.args[0]]  # an addition already ends in the chip's ReLU
                return
            if layer is None:
                return self.fail(node, "a ReLU must directly follow a Linear/Conv2d (or its BatchNorm)")
            self.finish(layer, is_output=False, relu=True)
            self.index[node] = self.index[layer]
        elif (foreign := foreign_activation(node, module)) is not None:
            self._foreign(node, module, foreign)
        elif isinstance(module, IDENTITIES):
            self._alias(node, node.args[0])
        elif isinstance(module, nn.MaxPool2d) or (op == "call_function" and target is nn.functional.max_pool2d):
            self._max_pool(node, module)
        elif isinstance(module, nn.AdaptiveAvgPool2d) or (op == "call_function" and
                                                          target is nn.functional.adaptive_avg_pool2d):
            self._adaptive_average_pool(node)
        elif isinstance(module, nn.Flatten) or (op == "call_function" and target in (torch.flatten, torch.reshape)) \
                or (op == "call_method" and target in ("flatten", "view", "reshape")):
            if not self._flattens(node, module):
                per_sample = math.prod(node.args[0].meta["shape"][1:])
                return self.fail(node, "only flattening every axis but the batch maps to cores: torch.flatten(x, 1), "
                                       f"x.view(x.size(0), -1) or x.view(-1, {per_sample})")
            self._structural(node, lambda s: FlattenMapper((s,)), node.args[0])
        elif (op == "call_function" and target in ADDITIONS) or (op == "call_method" and target in ("add", "add_")):
            if len(node.args) == 2 and not node.kwargs and any(map(self._pending_for, node.args)):
                return self._residual(node)
            sources = [self.source(node, arg) for arg in node.args[:2]]
            if None in sources or len(node.args) != 2 or node.kwargs:
                return self.fail(node, "only the sum of two mapped tensors is supported")
            self.add(node, AddMapper(tuple(sources)))
        elif isinstance(module, nn.AvgPool2d) or (op == "call_function" and target is nn.functional.avg_pool2d):
            self._average_pool(node, module)
        elif isinstance(module, SOFTMAX_MODULES) or (op == "call_function" and target in SOFTMAX_FUNCTIONS) or \
                (op == "call_method" and target in ("softmax", "log_softmax")):
            self._final_softmax(node, module)
        elif op == "call_function" and target is torch.cat:
            tensors, dim = node.args[0], node.kwargs.get("dim", node.args[1] if len(node.args) > 1 else 0)
            sources = [self.source(node, t) for t in tensors]
            if dim != 1 or None in sources:
                return self.fail(node, "torch.cat maps only along the channel axis (dim=1)")
            self.add(node, ConcatMapper(tuple(sources)))
        elif op == "call_function" and target is einops.rearrange:
            source = self.source(node, node.args[0])
            if source is not None:
                self.add(node, RearrangeMapper(source, node.args[1], **node.kwargs))
        elif _is_size(node):
            pass
        elif op == "output":
            self._output(node)
        else:
            self.fail(node, "this operation has no crossbar or compute-op equivalent: compute it outside the model "
                            "or use an operation the chip runs (mappers/README.md lists them)")

    def _foreign(self, node: fx.Node, module, foreign: tuple) -> None:
        """An activation other than ReLU ending a layer: kept (the graph computes what the module computes) and
        recorded with its line, for activation_adaptation to replace by the chip's ReLU."""
        layer = self._pending_for(node.args[0])
        if layer is None:
            return self.fail(node, "an activation must directly follow a Linear/Conv2d (or its BatchNorm): chip "
                                   "neurons apply it to their weighted sum")
        self.finish(layer, is_output=False, relu=True, foreign=foreign)
        self.index[node] = self.index[layer]
        self.foreign.append(f"{source_line(node, self.source_file)}: {operation(node, module)}")

    def _pending_for(self, arg) -> fx.Node | None:
        for layer, pending in self.pending.items():
            if pending["at"] is arg:
                return layer
        return None

    def _alias(self, node: fx.Node, arg) -> None:
        layer = self._pending_for(arg)
        if layer is not None:
            self.pending[layer]["at"] = node
        elif arg in self.index:
            self.index[node] = self.index[arg]

    def _structural(self, node: fx.Node, make, arg) -> None:
        source = self.source(node, arg)
        if source is not None:
            self.add(node, make(source))

    def _max_pool(self, node: fx.Node, module) -> None:
        arguments = _pool_arguments(node, module, MAX_POOL)
        kernel, stride, padding, dilation = (_square(v) for v in arguments[:4])
        if None in (kernel, stride, padding, dilation):
            return self.fail(node, "only square max-pools (one integer kernel size, stride, padding and dilation "
                                   "for both axes) map to the chip")
        self._structural(node, lambda s: MaxPoolMapper(s, kernel, stride, padding, dilation, bool(arguments[4])),
                         node.args[0])

    def _average_pool(self, node: fx.Node, module) -> None:
        arguments = _pool_arguments(node, module, AVG_POOL)
        kernel, stride, padding = (_square(v) for v in arguments[:3])
        if None in (kernel, stride) or padding != 0 or arguments[5] is not None:
            return self.fail(node, "only square average pools without padding or divisor_override map to the chip")
        if tuple(node.meta["shape"][2:]) != tuple((n - kernel) // stride + 1 for n in node.args[0].meta["shape"][2:]):
            return self.fail(node, "ceil_mode=True adds partial windows at the bottom and right edges here, which the "
                                   "chip's average pools do not have: pool without ceil_mode")
        channels = node.args[0].meta["shape"][1]
        self._structural(node, lambda s: AvgPoolMapper(s, kernel, stride, channels), node.args[0])

    def _adaptive_average_pool(self, node: fx.Node) -> None:
        """An adaptive average pool as the pool it is on this input: global (output 1x1), none (output = input, as
        VGG's 7x7 on 7x7 features) or a k x k average pool (the input's sides k times the output's)."""
        (channels, *sides), (_, *out) = node.args[0].meta["shape"][1:], node.meta["shape"][1:]
        if out == [1, 1]:
            return self._structural(node, lambda s: GlobalAvgPoolMapper(s, channels), node.args[0])
        if out == sides:
            return self._alias(node, node.args[0])
        kernel = sides[0] // out[0]
        if sides != [kernel * n for n in out]:
            return self.fail(node, f"an adaptive pool from {tuple(sides)} to {tuple(out)} has windows of unequal "
                                   "sizes, which no chip pool has: choose an output size that divides the input's "
                                   "sides by one factor, or 1")
        self._structural(node, lambda s: AvgPoolMapper(s, kernel, kernel, channels), node.args[0])

    def _final_softmax(self, node: fx.Node, module) -> None:
        """A softmax or log-softmax over the classes as the network's last operation: dropped, since the prediction
        (the argmax) is the same; anywhere else, refused."""
        dim = module.dim if module is not None else call_arguments(node, ("input", "dim")).get("dim")
        name = operation(node, module)
        if len(node.meta["shape"]) != 2 or dim not in (1, -1, None) or any(u.op != "output" for u in node.users):
            return self.fail(node, f"{name} maps only as the last operation, over the classes (dim=1), where it is "
                                   "dropped: the prediction is the same")
        self.notes.append(f"{source_line(node, self.source_file)}: the final {name} is dropped: the chip predicts "
                          "the class of the largest score, which it does not change")
        self._alias(node, node.args[0])

    def _flattens(self, node: fx.Node, module) -> bool:
        """Whether `node` flattens every axis but the batch, whatever the batch size."""
        dims = len(node.args[0].meta["shape"])
        if isinstance(module, nn.Flatten):
            return module.start_dim == 1 and module.end_dim in (-1, dims - 1)
        if node.target in ("flatten", torch.flatten):
            arguments = call_arguments(node, ("input", "start_dim", "end_dim"))
            return arguments.get("start_dim", 0) == 1 and arguments.get("end_dim", -1) in (-1, dims - 1)
        shape = tuple(node.args[1] if len(node.args) == 2 and isinstance(node.args[1], (tuple, list))
                      else node.args[1:])
        per_sample = math.prod(node.args[0].meta["shape"][1:])
        batch_first = _is_batch_size(shape[0]) and shape[1] in (-1, per_sample) if len(shape) == 2 else False
        return batch_first or shape == (-1, per_sample)

    def _output(self, node: fx.Node) -> None:
        result = node.args[0]
        layer = self._pending_for(result)
        if layer is not None:
            self.finish(layer, is_output=True, relu=False)
            self.index[result] = self.index[layer]
        if result not in self.index:
            self.fail(node, "the output must be a Linear/Conv2d readout or a global average")
        elif self.index[result] != len(self.nodes) - 1:
            self.fail(node, "the output must be the last mapped operation")


class ShapeRecorder(fx.Interpreter):
    """Runs a traced graph once, keeping each tensor's shape in `node.meta['shape']` and the node last run in
    `node` (torch's ShapeProp would print a traceback when one fails)."""

    def run_node(self, node: fx.Node):
        self.node = node
        result = super().run_node(node)
        if isinstance(result, torch.Tensor):
            node.meta["shape"] = result.shape
        return result


def _identity(shape: tuple[int, ...]) -> Perceptron:
    """A skip that passes its input (per-sample `shape`) on: a 1x1 convolution or a linear map with identity
    weights and a zero bias, buffers that training leaves alone (quantization rounds them with the layer)."""
    channels = shape[0]
    layer = nn.Conv2d(channels, channels, 1, bias=False) if len(shape) == 3 else nn.Linear(channels, channels, False)
    del layer.weight
    layer.register_buffer("weight", torch.eye(channels).reshape(channels, channels, *[1] * (len(shape) - 1)))
    return Perceptron(_with_bias(layer), batch_norm=False, is_output=True)


def _with_bias(layer: nn.Linear | nn.Conv2d) -> nn.Linear | nn.Conv2d:
    """A copy of `layer`; a layer built with `bias=False` gets a zero bias buffer (not trained, not in the user's
    state_dict) for BatchNorm folding and quantization to write into."""
    layer = copy.deepcopy(layer)
    if layer.bias is None:
        del layer.bias
        layer.register_buffer("bias", torch.zeros(layer.weight.shape[0], dtype=layer.weight.dtype))
    return layer


def _pool_arguments(node: fx.Node, module, names: tuple[str, ...]) -> tuple:
    """A pool's (kernel_size, stride, padding, ...) in the order of `names` after the input, from its module or its
    functional call (with torch's defaults; no stride means the kernel's)."""
    if module is not None:
        values = {name: getattr(module, name) for name in names[1:]}
    else:
        values = {**POOL_DEFAULTS, **call_arguments(node, names)}
    values["stride"] = values["stride"] or values["kernel_size"]
    return tuple(values[name] for name in names[1:])


def _square(value) -> int | None:
    """The side of a square pool parameter (an int or two equal ints); None for anything else."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and value[0] == value[1]:
        value = value[0]
    return value if isinstance(value, int) else None


def _is_size(node) -> bool:
    """Whether `node` is `x.size()`, `x.size(d)`, `x.shape` or an item of them (sizes: no data, no cores)."""
    if not isinstance(node, fx.Node) or node.op not in ("call_method", "call_function"):
        return False
    if node.target is operator.getitem:
        return _is_size(node.args[0])
    return node.target == "size" or node.target is getattr and node.args[1] == "shape"


def _is_batch_size(node) -> bool:
    """Whether `node` is a tensor's batch size: `x.size(0)`, `x.shape[0]` or `x.size()[0]`."""
    if not _is_size(node):
        return False
    if node.target is operator.getitem:
        whole = node.args[0]
        return node.args[1] == 0 and (whole.target is getattr or whole.target == "size" and len(whole.args) == 1
                                      and not whole.kwargs)
    return node.target == "size" and call_arguments(node, ("input", "dim")).get("dim") == 0


def _pass_on_negative_values(nodes: list) -> None:
    """Pools and sums that read a foreign activation's values (which may be negative) pass them on unclipped, as
    the module does, until activation_adaptation makes every activation the chip's ReLU."""
    signed = []
    for node in nodes:
        owner = getattr(node, "perceptron", None)
        reads_signed = any(signed[s] for s in node.sources)
        if owner is not None:
            signed.append(owner.activation is not None and owner.activation.kind != "relu")
        elif getattr(node, "activation", None) is not None and reads_signed:
            node.activation.set_foreign("identity")
            signed.append(True)
        else:
            signed.append(reads_signed)


def convert(module: nn.Module, input_shape: tuple[int, ...], source_file: str | None = None) -> MapperGraph:
    """The mapper graph of `module` (in eval mode), or Unrepresentable listing every offending node."""
    gm = trace(module.eval(), source_file, input_shape)
    shapes = ShapeRecorder(gm)
    shapes.extra_traceback = False  # fx would append the whole graph to the error's message
    try:
        with torch.no_grad():
            shapes.run(torch.zeros(1, *input_shape))
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        raise Unrepresentable([f"{type(module).__name__} does not run on inputs of shape {tuple(input_shape)}: "
                               f"{described(error)} (at {source_line(shapes.node, source_file)})"]) from error
    converter = Converter(gm, source_file)
    for node in converter.gm.graph.nodes:
        converter.visit(node)
    for layer in list(converter.pending):
        converter.fail(layer, "this layer's output is never used")
    if converter.problems:
        raise Unrepresentable(converter.problems)
    _pass_on_negative_values(converter.nodes)
    graph = MapperGraph(input_shape, converter.nodes, converter.names)
    graph.source_names, graph.notes = converter.source_names, converter.notes
    graph.foreign_activations = list(dict.fromkeys(converter.foreign))
    return graph.eval()
