# %% [markdown]
# # How big a cache? A capacity sweep from Python
#
# A notebook in script form: each `# %%` is a cell (Jupyter, VS Code and
# Spyder run them one by one; `python3 examples/capacity_notebook.py` runs
# them all, as the ctest `python.example_capacity` does). It loads a catalog
# scenario, sweeps the cache's capacity, prints the table a planner would read
# and checks what the table says.
#
# From the build tree: `PYTHONPATH=build/release/python python3 examples/capacity_notebook.py`
# (after `make install`, plain `python3` finds the package).

# %%
from pathlib import Path

import cachelab

# The repository's root: this file's parent's parent (a notebook has no __file__:
# then the working directory, examples/ or the root).
if "__file__" in globals():
    ROOT = Path(__file__).resolve().parents[1]
else:
    ROOT = Path.cwd() if (Path.cwd() / "scenarios").is_dir() else Path.cwd().parent
SCENARIO = ROOT / "scenarios/eviction/undersized-cache.json"

scenario = cachelab.load(SCENARIO)
print(f"{scenario['name']}: {scenario['workload']['keys']['count']:,} keys, "
      f"cache {scenario['cache']['capacity']}, duration {scenario['duration']}")

# %% [markdown]
# ## One run at the scenario's own capacity
#
# `run` returns the summary (summary.json as a dict) and the time series
# (timeseries.csv as a DataFrame).

# %%
base = cachelab.run(SCENARIO)
cache = base.summary["cache"]
print(f"hit ratio {cache['hit_ratio']:.3f}, evictions {cache['evictions']:,}, "
      f"p99 {base.summary['latency_ms']['p99']:.2f} ms")
print(base.timeseries[["time_s", "hit_ratio", "p99_ms", "evictions"]].tail(5).to_string(index=False))

# %% [markdown]
# ## Sweep the capacity
#
# Each capacity runs with the same three seeds (common random numbers), so the
# points differ by their capacity, not by their traffic. The result is
# sweep.csv as a DataFrame: `<metric>.mean` and `<metric>.ci95` per metric.

# %%
capacities = ["4MiB", "8MiB", "16MiB", "32MiB", "64MiB", "128MiB"]
sweep = cachelab.sweep(SCENARIO, grid={"/cache/capacity": capacities}, replications=3)
table = sweep[["/cache/capacity", "cache.hit_ratio.mean", "cache.hit_ratio.ci95",
               "cache.evictions.mean", "latency_ms.p99.mean", "db.utilization.mean"]]
table.columns = ["capacity", "hit ratio", "± ci95", "evictions", "p99 ms", "DB util"]
print(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))

# %% [markdown]
# ## What the table says
#
# More cache never hits less, and evicts less. Past the keys this run touches,
# more memory buys nothing: the smallest capacity whose hit ratio is within a
# point of the largest's is where to stop (`cachelab plan` would refine it).

# %%
hit = sweep["cache.hit_ratio.mean"]
assert hit.is_monotonic_increasing, "a larger cache hit less"
assert sweep["cache.evictions.mean"].is_monotonic_decreasing, "a larger cache evicted more"
enough = sweep[hit >= hit.iloc[-1] - 0.01]
answer = enough["/cache/capacity"].iloc[0]
print(f"hit ratio within 0.01 of {capacities[-1]}'s ({hit.iloc[-1]:.3f}) from {answer} on")
assert answer not in (capacities[0], capacities[-1]), "the sweep's range misses the knee"

# %% [markdown]
# ## A chart, when matplotlib is installed

# %%
try:
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib not installed: no chart")
else:
    fig, ax = plt.subplots()
    ax.errorbar(range(len(sweep)), hit, yerr=sweep["cache.hit_ratio.ci95"], marker="o")
    ax.set_xticks(range(len(sweep)), sweep["/cache/capacity"])
    ax.set_xlabel("cache capacity")
    ax.set_ylabel("hit ratio")
    out = Path("capacity_sweep.png")
    fig.savefig(out)
    print(f"chart: {out}")
