"""Is training healthy? The firing-density histogram of all latents, dead and dense counts, L0.

How today's sparse autoencoders are judged at a glance (Anthropic's "Towards
Monosemanticity", 2023; Gao et al., 2024): for every latent j its *firing density*, the
fraction of examples on which a_j > 0, plotted as a histogram of log10 density. A
healthy model has its latents in one bump at low density; latents that never fire
(*dead*) are wasted capacity and are shown in a bar of their own at the left (log10 0 is
-inf); latents that fire on more than about one example in ten (*dense*) are rarely
interpretable. L0, the mean number of active latents per example, is the sparsity
actually achieved.

Sigmoid units (the KL autoencoder of the notes) have no true zero: every unit is above
0 on every example, so each has density 1 and L0 = hidden_size -- true, and useless.
For them the panel shows the histogram of log10 rho_hat_j instead (the density a unit
would have if it were only ever fully on or fully off), and says so on the panel.
"""

from __future__ import annotations

import numpy as np

from .summary import summarize_units

__all__ = ["training_health", "health_stats"]


def _models(models, data):
    if not isinstance(models, dict) or not models:
        raise ValueError("models must be a non-empty dict: name -> model (all on `data`), or "
                         "name -> (model, data), e.g. {'KL': kl, 'L1': l1, 'TopK': topk}.")
    out = {}
    for name, entry in models.items():
        if isinstance(entry, tuple):
            if len(entry) != 2:
                raise ValueError(f"models[{name!r}] must be a model or a (model, data) pair.")
            out[str(name)] = entry
        else:
            if data is None:
                raise ValueError(f"models[{name!r}] has no data: pass data=..., or give "
                                 f"(model, data) pairs.")
            out[str(name)] = (entry, data)
    return out


def health_stats(model, data, *, dense_above=None):
    """The numbers of one model's health panel, as a dict.

    ``true_zero`` (ReLU/TopK) or not (sigmoid); ``statistic`` (h,): the firing density
    (true-zero units) or rho_hat (sigmoid units); ``n_dead``, ``n_dense`` (see
    :class:`~sae_lib.features.UnitSummaries` for the thresholds), ``dead_below``,
    ``dense_above``; ``l0``: mean number of units with a_j > 0 per example (for sigmoid
    units always hidden_size); ``hidden_size``, ``m``.
    """
    s = summarize_units(model, data, k=1, bins=1, dense_above=dense_above)
    return {"true_zero": s.true_zero,
            "statistic": s.density if s.true_zero else s.rho_hat,
            "n_dead": s.n_dead, "n_dense": s.n_dense, "dead_below": s.dead_below,
            "dense_above": s.dense_above, "l0": s.l0, "hidden_size": s.hidden_size,
            "m": s.m}


def training_health(models, data=None, *, dense_above=None, bins_per_decade=4):
    """Side-by-side training-health panels for several models: a matplotlib Figure.

    ``models``: dict name -> model, all measured on ``data`` (visible_size, m); or name ->
    (model, data). Each panel: the histogram of log10 firing density of all latents, the
    latents that never fire in a separate bar at the left, the dense threshold
    (``dense_above``; default 0.1 for density, 0.5 for a sigmoid unit's rho_hat --
    see :class:`~sae_lib.features.UnitSummaries`) marked, and the counts of dead and dense latents and L0. Sigmoid
    models get the histogram of log10 rho_hat_j instead, labelled as such (see the module
    docstring). The figure's ``stats`` attribute holds each model's :func:`health_stats`.
    """
    from matplotlib.ticker import MaxNLocator

    from ._figure import ReprFigure as Figure

    entries = _models(models, data)
    stats = {name: health_stats(model, d, dense_above=dense_above)
             for name, (model, d) in entries.items()}
    low = -np.ceil(np.log10(max(st["m"] for st in stats.values()))) - 0.25
    for st in stats.values():      # sigmoid rho_hat may lie below 1/m
        finite = st["statistic"][st["statistic"] > 0]
        if finite.size:
            low = min(low, np.floor(np.log10(finite.min()) * 4) / 4)
    edges = np.arange(low, 0.0 + 1e-9, 1.0 / bins_per_decade)
    if edges[-1] < 0:
        edges = np.append(edges, 0.0)
    never_x = low - 0.75

    n = len(stats)
    fig = Figure(figsize=(3.7 * n + 0.3, 3.5), dpi=100)
    axes = fig.subplots(1, n, squeeze=False)[0]
    fig.subplots_adjust(left=0.07 if n > 1 else 0.16, right=0.98, bottom=0.15, top=0.66,
                        wspace=0.3)
    for ax, (name, st) in zip(axes, stats.items()):
        value = st["statistic"]
        h = st["hidden_size"]
        if st["true_zero"]:
            never = value == 0
            with np.errstate(divide="ignore"):
                logs = np.log10(value[~never])
            counts, _ = np.histogram(np.clip(logs, edges[0], edges[-1]), edges)
            ax.stairs(counts, edges, fill=True, color="C0", alpha=0.85,
                      label="latents by density")
            ax.never_bar = ax.bar([never_x], [int(never.sum())], width=0.5, color="C3",
                                  label="never fire (dead)")
            ax.set_xlabel(r"$\log_{10}$ firing density (fraction of examples with $a_j>0$)",
                          fontsize=8)
            lines = [f"dead (never fire): {st['n_dead']} of {h}",
                     f"dense (density > {st['dense_above']:g}): {st['n_dense']}",
                     f"L0 = {st['l0']:.3g} active per example"]
        else:
            logs = np.log10(value)
            counts, _ = np.histogram(np.clip(logs, edges[0], edges[-1]), edges)
            ax.stairs(counts, edges, fill=True, color="C2", alpha=0.85,
                      label=r"units by mean activation $\hat\rho_j$")
            ax.axvline(np.log10(st["dead_below"]), color="C3", ls=":", lw=1.2,
                       label=r"dead below: $\hat\rho_j < 1/m$")
            ax.set_xlabel(r"$\log_{10}\hat\rho_j$ (mean activation; no true zero)",
                          fontsize=8)
            lines = ["sigmoid units are never exactly 0: no firing density;",
                     "shown instead: their mean activations ρ̂",
                     (f"dead (ρ̂ < 1/m): {st['n_dead']} of {h}, dense (ρ̂ > "
                      f"{st['dense_above']:g}): {st['n_dense']}"),
                     f"L0 = {h}: every unit is above 0 on every example"]
        ax.axvline(np.log10(st["dense_above"]), color="k", ls="--", lw=1,
                   label=f"dense above {st['dense_above']:g}")
        ax.set_xlim(never_x - 0.5, 0.15)
        ax.set_ylim(0, max(1, counts.max(), int(np.sum(value == 0))) * 1.6)
        ticks = list(np.arange(np.ceil(edges[0]), 0.5))
        names = [f"{t:g}" for t in ticks]
        if st["true_zero"]:
            ticks, names = [never_x] + ticks, ["never"] + names
        ax.set_xticks(ticks, names, fontsize=8)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=8)
        ax.set_ylabel("number of latents" if st["true_zero"] else "number of units",
                      fontsize=8)
        ax.set_title(f"{name}   ({h} {'latents' if st['true_zero'] else 'sigmoid units'}, "
                     f"m = {st['m']})", fontsize=9.5, loc="left", pad=46)
        ax.text(0.0, 1.02, "\n".join(lines), transform=ax.transAxes, fontsize=7.5,
                va="bottom", ha="left", linespacing=1.25)
        ax.legend(loc="upper left", bbox_to_anchor=(0.2, 1.0), fontsize=7, frameon=False)
        ax.grid(alpha=0.25)
    fig.stats = stats
    return fig
