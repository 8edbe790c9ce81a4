"""`--plot`: pass rate against tokens spent, one point per strategy × language (matplotlib, optional)."""

from __future__ import annotations

from pathlib import Path

from ocr_cli.bench.report import BenchReport
from ocr_cli.errors import ConfigError


def plot_pass_rate(report: BenchReport, path: Path) -> Path:
    """Draw the report's pass rate vs. mean generated tokens per problem into `path` (PNG, SVG, PDF).

    Raises ConfigError when matplotlib is not installed or nothing was attempted yet.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display needed
        import matplotlib.pyplot as plt
    except ImportError:
        raise ConfigError("--plot needs matplotlib",
                          hint="pip install 'ocr-cli[plot]' (or pip install matplotlib)") from None
    groups = [g for g in report.groups() if g.attempted]
    if not groups:
        raise ConfigError("nothing to plot: no problem was attempted")
    figure, axes = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    languages = sorted({g.language for g in groups})
    markers = dict(zip(languages, "os^D", strict=False))
    for strategy in dict.fromkeys(g.strategy for g in groups):
        mine = [g for g in groups if g.strategy == strategy]
        for group in mine:
            axes.scatter(group.tokens_per_problem or 0.0, 100 * (group.pass_rate or 0.0), s=60,
                         marker=markers.get(group.language, "o"),
                         label=f"{strategy} ({group.language})")
            axes.annotate(f"{group.solved}/{group.attempted}",
                          (group.tokens_per_problem or 0.0, 100 * (group.pass_rate or 0.0)),
                          textcoords="offset points", xytext=(6, 4), fontsize=8)
    axes.set_xlabel("generated tokens per problem (mean)")
    axes.set_ylabel("solved on hidden tests (%)")
    axes.set_ylim(-5, 105)
    axes.set_title(f"ocr bench · {report.config.get('generator') or report.config.get('model') or 'model'}",
                   fontsize=9)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="best")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path
