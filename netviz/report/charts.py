"""Training curves drawn as inline SVG from the per-epoch history.

Used when a build has history but no "curves" figure: the report still shows how
training went, without calling matplotlib at report time. The SVG is text, so it
is deterministic, vector-sharp in the PDF and tiny in the HTML.
"""

from __future__ import annotations

from markupsafe import Markup, escape

W, H = 300, 190
LEFT, RIGHT, TOP, BOTTOM = 46, 10, 22, 34
COLOURS = {"train": "#1f4e79", "validation": "#c0504d"}
# Presentation attributes rather than a <style> block: WeasyPrint's SVG renderer
# and browsers agree on these, and an unstyled <rect> would otherwise fill black.
FONT = 'font-family="TeX Gyre Heros, DejaVu Sans, Helvetica, Arial, sans-serif" fill="#333"'
TITLE = f'{FONT} font-size="11" font-weight="bold" text-anchor="middle"'
LABEL = f'{FONT} font-size="9"'


def history_keys(output: str, single: bool) -> dict[str, tuple[str, str]]:
    """Keras history keys per metric for one output: {"loss": (train, val), ...}."""
    prefix = "" if single else f"{output}_"
    return {m: (f"{prefix}{m}", f"val_{prefix}{m}") for m in ("loss", "accuracy")}


def _ticks(low: float, high: float) -> list[float]:
    """Three evenly spaced y ticks inside the data range."""
    return [low + (high - low) * i / 2 for i in (0.25, 1, 1.75)]


def _tick_label(value: float, span: float) -> str:
    """Enough decimals to tell the ticks apart, no more."""
    digits = 1 if span >= 1 else (2 if span >= 0.1 else 3)
    return f"{value:.{digits}f}"


def _bounds(values: list[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    if high - low < 1e-9:
        pad = abs(high) * 0.05 or 0.05
        return low - pad, high + pad
    pad = (high - low) * 0.08
    return low - pad, high + pad


def _panel(title: str, series: dict[str, list[float]], x0: int) -> str:
    """One plot (loss or accuracy) at horizontal offset ``x0``."""
    values = [v for vals in series.values() for v in vals]
    low, high = _bounds(values)
    epochs = max(len(v) for v in series.values())
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM

    def xy(i: int, v: float) -> tuple[float, float]:
        x = LEFT + (plot_w * i / (epochs - 1) if epochs > 1 else plot_w / 2)
        return x0 + x, TOP + plot_h * (1 - (v - low) / (high - low))

    parts = [f'<text x="{x0 + LEFT + plot_w / 2}" y="14" {TITLE}>{escape(title)}</text>',
             f'<rect x="{x0 + LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888" stroke-width="0.6"/>']
    for tick in _ticks(low, high):
        _, y = xy(0, tick)
        parts.append(f'<line x1="{x0 + LEFT}" x2="{x0 + LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd" stroke-width="0.5"/>')
        parts.append(f'<text x="{x0 + LEFT - 4}" y="{y + 3:.1f}" {LABEL} text-anchor="end">{_tick_label(tick, high - low)}</text>')
    for i in sorted({0, epochs - 1}):
        x, _ = xy(i, low)
        parts.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 12}" {LABEL} text-anchor="middle">{i + 1}</text>')
    parts.append(f'<text x="{x0 + LEFT + plot_w / 2}" y="{H - 6}" {LABEL} text-anchor="middle">epoch</text>')
    for name, vals in series.items():
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(vals)))
        colour = COLOURS[name]
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.6"/>')
        if len(vals) <= 25:
            parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{colour}"/>'
                      for x, y in (xy(i, v) for i, v in enumerate(vals))]
    return "".join(parts)


def _legend(names: list[str]) -> str:
    items = []
    for i, name in enumerate(names):
        x = LEFT + i * 110
        items.append(f'<line x1="{x}" x2="{x + 18}" y1="{H + 8}" y2="{H + 8}" stroke="{COLOURS[name]}" stroke-width="2"/>'
                     f'<text x="{x + 22}" y="{H + 11}" {LABEL}>{name}</text>')
    return "".join(items)


def curves_svg(history: dict, output: str, single: bool) -> Markup | None:
    """Loss and accuracy panels for one output, or None when the history lacks them."""
    panels = []
    names: list[str] = []
    for metric, (train_key, val_key) in history_keys(output, single).items():
        series = {k: [float(v) for v in history.get(key) or []] for k, key in (("train", train_key), ("validation", val_key))}
        series = {k: v for k, v in series.items() if v}
        if series:
            panels.append((metric, series))
            names += [n for n in series if n not in names]
    if not panels:
        return None
    body = "".join(_panel(title, series, i * W) for i, (title, series) in enumerate(panels))
    width = W * len(panels)
    return Markup(f'<svg class="chart" viewBox="0 0 {width} {H + 16}" xmlns="http://www.w3.org/2000/svg" '
                  f'role="img">{body}{_legend(names)}</svg>')
