"""The packing algorithm of mappers.hardware.packing in plain Python: the baseline and the oracle.

Same order, same tightest-fit score, same scarcity rule, same ties; it scans every open core
of the group instead of keeping a pruned candidate list, so it is slower and must agree exactly.
"""


def python_pack(axons, neurons, groups, type_axons, type_neurons, type_counts):
    """(hard_core, axon_offset, neuron_offset, core_type) as lists; None where out of cores."""
    axons, neurons, groups = [int(v) for v in axons], [int(v) for v in neurons], [int(v) for v in groups]
    type_axons, type_neurons = [int(v) for v in type_axons], [int(v) for v in type_neurons]
    remaining = [int(v) for v in type_counts]
    a_max, n_max = max(type_axons), max(type_neurons)
    order = sorted(range(len(axons)), key=lambda i: (groups[i], -max(axons[i] / a_max, neurons[i] / n_max), i))
    hard_core, axon_offset, neuron_offset = [-1] * len(axons), [0] * len(axons), [0] * len(axons)
    core_type, used_a, used_n, core_group = [], [], [], []
    for i in order:
        a, n = axons[i], neurons[i]
        best, best_score = -1, float("inf")
        for h in range(len(core_type)):
            t = core_type[h]
            if core_group[h] == groups[i] and used_a[h] + a <= type_axons[t] and used_n[h] + n <= type_neurons[t]:
                score = ((type_axons[t] - used_a[h] - a) / type_axons[t]
                         + (type_neurons[t] - used_n[h] - n) / type_neurons[t])
                if score < best_score:
                    best, best_score = h, score
        if best < 0:
            chosen, chosen_score = -1, float("inf")
            for t in range(len(type_axons)):
                if a <= type_axons[t] and n <= type_neurons[t] and remaining[t] > 0:
                    score = (1.0 - (a * n) / (type_axons[t] * type_neurons[t])) / remaining[t]
                    if score < chosen_score:
                        chosen, chosen_score = t, score
            if chosen < 0:
                return None
            remaining[chosen] -= 1
            best = len(core_type)
            core_type.append(chosen)
            used_a.append(0)
            used_n.append(0)
            core_group.append(groups[i])
        hard_core[i], axon_offset[i], neuron_offset[i] = best, used_a[best], used_n[best]
        used_a[best] += a
        used_n[best] += n
    return hard_core, axon_offset, neuron_offset, core_type
