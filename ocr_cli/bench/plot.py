"""`--plot`: pass rate against tokens spent, one point per strategy × language (matplotlib, optional)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocr_cli.bench.report import BenchReport
from ocr_cli.errors import ConfigError


def plot_pass_rate(report: BenchReport, path: Path) -> Path:
    """Draw pass rate vs. generated tokens per strategy × language into `path` (PNG, SVG, PDF): a
    marker at (mean tokens per problem, pass rate) and a step line of problems solved within x tokens.

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
    for group in groups:
        color = None
        solved_tokens = sorted(r.generated_tokens for r in report.records
                               if r.solved and r.strategy == group.strategy and r.language == group.language)
        if solved_tokens:
            # the share of attempted problems solved within x tokens: where more budget stops paying off
            xs = [0, *solved_tokens, max(solved_tokens[-1], group.tokens_per_problem or 0)]
            ys = [0.0, *(100 * (i + 1) / group.attempted for i in range(len(solved_tokens))),
                  100 * len(solved_tokens) / group.attempted]
            (line,) = axes.step(xs, ys, where="post", alpha=0.5)
            color = line.get_color()
        x, y = group.tokens_per_problem or 0.0, 100 * (group.pass_rate or 0.0)
        axes.scatter(x, y, s=60, marker=markers.get(group.language, "o"), color=color,
                     label=f"{group.strategy} ({group.language})", zorder=3)
        axes.annotate(f"{group.solved}/{group.attempted}", (x, y), textcoords="offset points",
                      xytext=(6, 4), fontsize=8)
    axes.set_xlabel("generated tokens per problem (marker: mean; line: solved within x tokens)")
    axes.set_ylabel("solved on hidden tests (%)")
    return _finish(plt, figure, axes, report, path, legend_size=8)


def plot_pass_at_k(report: BenchReport, path: Path) -> Path:
    """With `--samples`: pass@k and select@k (the paper's rule and ocr's ranking) against k, one
    colour per strategy × language, into `path`."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ConfigError("--plot needs matplotlib",
                          hint="pip install 'ocr-cli[plot]' (or pip install matplotlib)") from None
    groups = report.sampling()
    if not groups:
        raise ConfigError("nothing to plot: no drafts were sampled (use --samples K)")
    figure, axes = plt.subplots(figsize=(6.4, 4.2), dpi=120)
    for group in groups:
        metrics = group["all"]
        label = f"{group['strategy']} ({group['language']})"
        series = [("pass@k", metrics["pass@k"], "-o"),
                  ("select@k, paper's rule", metrics["select@k"]["paper"], "--s"),
                  ("select@k, ocr's ranking", metrics["select@k"]["ocr"], ":^")]
        color = None
        for name, values, style in series:
            points = [(int(k), 100 * v) for k, v in values.items() if v is not None]
            if not points:
                continue
            xs, ys = zip(*points, strict=True)
            (line,) = axes.plot(xs, ys, style, color=color, label=f"{name} · {label}")
            color = line.get_color()
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("k (drafts)")
    axes.set_ylabel("percent of problems")
    return _finish(plt, figure, axes, report, path, legend_size=7)


def _finish(plt: Any, figure: Any, axes: Any, report: BenchReport, path: Path, *, legend_size: int) -> Path:
    """The parts both plots share: percent axis, title, grid, legend, and the file written."""
    axes.set_ylim(-5, 105)
    axes.set_title(f"ocr bench · {report.config.get('generator') or report.config.get('model') or 'model'}",
                   fontsize=9)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=legend_size, loc="best")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path
