"""The search's Pareto front as a PNG: accuracy against hard cores, marker size by parameters."""

from pathlib import Path

from runner.engine.atomic import pyplot, save_figure


def plot_front(candidates, chosen, path: Path) -> None:
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(6, 4), dpi=110)
    for group, style in (([c for c in candidates if c.feasible and not c.pareto], dict(color="0.6", label="feasible")),
                         ([c for c in candidates if c.pareto], dict(color="tab:blue", label="Pareto front")),
                         ([c for c in candidates if not c.feasible], dict(color="tab:red", marker="x",
                                                                         label="does not fit"))):
        if group:
            axes.scatter([c.hard_cores for c in group], [c.accuracy for c in group],
                         s=[20 + c.parameters / 2000 for c in group], **style)
    axes.scatter([chosen.hard_cores], [chosen.accuracy], s=160, facecolors="none", edgecolors="black",
                 label=f"chosen (trial {chosen.number})")
    axes.set_xlabel("hard cores")
    axes.set_ylabel("validation accuracy (proxy training)")
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    save_figure(figure, path)
    plt.close(figure)
