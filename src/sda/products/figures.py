"""Plots written as files (PNG or SVG by the file's suffix), with matplotlib and no display."""

from __future__ import annotations

from pathlib import Path

__all__ = ["subplots", "save_figure"]


def subplots(*args, **kwargs):
    """``matplotlib.pyplot.subplots`` on the non-interactive Agg backend (imported on first use)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(*args, **kwargs)


def save_figure(fig, path: str | Path) -> Path:
    """Lay out ``fig``, write it to ``path`` (its folder created) and release it; the path."""
    import matplotlib.pyplot as plt

    path = Path(path)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
