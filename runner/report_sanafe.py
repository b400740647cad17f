"""report.md's SANA-FE section: agreement with our kernels, SANA-FE's energy and latency per inference, and where
its chip model and ours differ."""

DIFFERENCES = [
    "Where SANA-FE's chip and ours differ:", "",
    "* **Time.** Our latency is cycles (times `platform.cycle_ns` where given). SANA-FE times each timestep as its "
    "slowest core's work (synapse look-ups, neuron updates, spike messages, mesh hops) plus a synchronization, and "
    "runs one timestep more: it delays the inputs' hop onto the chip too.",
    "* **Synapses.** SANA-FE charges every nonzero synapse a spike reaches; our synaptic operations count every "
    "crossbar cell of a spiking axon, zeros included.",
    "* **Neurons.** SANA-FE charges every neuron an access each timestep, and an update where its potential or input "
    "is nonzero (with `<=` every potential holds the 1/2 that makes Loihi's `>` fire at `>=`, so every neuron "
    "updates).",
    "* **Messages.** Ours: a spike sent once to each other hard core that reads it, none where only its own core "
    "does; SANA-FE sends a message to every core it targets, its own included, and prices the mesh hops we leave "
    "out.",
    "* **Bias and inputs.** The bias is our always-on axon; on SANA-FE it is a host source spiking every timestep, so "
    "it costs messages and synapse events like an input (a Loihi bias register would cost nothing). The host sources "
    "sit on host cores of their own on the mesh, after the hard cores (four cores to a tile, as on Loihi).",
]


def sanafe_section(f: dict) -> list[str]:
    """The lines of report.md's SANA-FE section from the `sanafe_simulation` figures `f`."""
    energy, ours = f["energy_j"], f["our_energy_j"]
    parts, our_parts = (", ".join(f"{k} {e[k] * 1e6:,.4f}" for k in e if k != "total") for e in (energy, ours))
    lines = ["## SANA-FE", "",
             f"The deployed hard cores on SANA-FE (its Loihi file's per-event costs, `{f['timing_model']}` timing), "
             f"on the first {f['samples']} test samples.", "",
             "| figure | value |", "| --- | --- |",
             f"| spike counts equal to our kernels' | {f['spike_counts_equal']:,} of {f['spike_counts']:,} "
             f"({f['neurons']} neurons x {f['samples']} samples) |",
             f"| class scores identical | {'yes' if f['scores_identical'] else 'no'} |",
             f"| prediction agreement with our chip | {f['agreement']:.4f} |",
             f"| accuracy: SANA-FE, our chip (these samples) | {f['accuracy']:.4f}, {f['chip_accuracy']:.4f} |",
             f"| timesteps per inference (our cycles + 1) | {f['timesteps']} |",
             f"| energy per inference | {energy['total'] * 1e6:,.4f} µJ ({parts}) |",
             f"| our energy model, same run and costs | {ours['total'] * 1e6:,.4f} µJ ({our_parts}) |",
             f"| latency per inference | {f['latency_s'] * 1e6:,.3f} µs |",
             f"| spikes, spike messages per inference | {f['spikes_per_sample']:,}, {f['messages_per_sample']:,} |"]
    if f["first_difference"]:
        lines += ["", f"**SANA-FE departs from our chip:** {f['first_difference']}."]
    return lines + [""] + DIFFERENCES
