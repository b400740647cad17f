"""report.md's energy section: energy per inference, the share of each event type, per layer, the ANN beside it."""

EVENT_NAMES = {"synaptic_ops": "synaptic operations", "neuron_updates": "neuron updates", "spikes": "spikes",
               "messages": "messages leaving a hard core", "host_values": "values moved to the host and back"}


def energy_section(simulation: dict, order: list[str]) -> list[str]:
    """The lines of report.md's energy section (none for a run from before energy was counted)."""
    energy = simulation.get("energy")
    if not energy:
        return []
    ann, ratio = energy["ann_nj_per_inference"], energy["chip_over_ann"]
    lines = ["", "### Energy", "",
             f"* chip: {energy['nj_per_inference']:,.3f} nJ per inference, priced by the `{energy['preset']}` "
             "costs (mesh hops not priced: hard cores have no positions)",
             f"* the same network as an ANN at 45 nm (Horowitz, ISSCC 2014), {energy['ann_macs']:,} "
             f"multiply-accumulates: {ann['fp32']:,.3f} nJ in FP32 ({energy['ann_pj_per_mac']['fp32']} pJ each), "
             f"{ann['int8']:,.3f} nJ in INT8 ({energy['ann_pj_per_mac']['int8']} pJ each)",
             f"* chip over ANN: {_ratio(ratio['fp32'])} against FP32, {_ratio(ratio['int8'])} against INT8", "",
             "| event | per inference | pJ each | share of the energy |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {label} | {energy['events_per_inference'][event]:,.1f} | {energy['costs_pj'][event]:g} | "
              f"{energy['share'][event]:.1%} |" for event, label in EVENT_NAMES.items()]
    position = {name: i for i, name in enumerate(order)}
    per_layer, macs = energy["nj_per_layer"], energy["ann_macs_per_layer"]
    lines += ["", "| layer | chip nJ | ANN multiply-accumulates |", "| --- | ---: | ---: |"]
    lines += [f"| {layer} | {per_layer[layer]:,.3f} | {macs[layer]:,} |" if layer in macs else
              f"| {layer} | {per_layer[layer]:,.3f} | - |"
              for layer in sorted(per_layer, key=lambda name: (position.get(name, len(order)), name))]
    return lines


def _ratio(value) -> str:
    return "-" if value is None else f"{value:.3g}x"
