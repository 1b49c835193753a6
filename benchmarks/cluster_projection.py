"""The projected wall-clock of benchmarks/sweep-bench.json on N nodes (BENCHMARKS.md).

From benchmarks/cluster.csv (measured: 1 and 2 array tasks on the one-node cluster of
scripts/slurm-local.sh, and the merge) and benchmarks/cluster_timing.csv (the seconds of
every run), with the shard of each run computed as whiten does (wh__journal_owner):

    T(N) = start + max over shards of the sum of their runs' seconds + merge

start is a task's overhead (submission, scheduling, process start, the grid's setup),
measured as the last 1-task round's wall-clock less the sum of its runs (the per-run
times are that round's); merge is the median measured. Prints a
Markdown table and writes benchmarks/cluster_projection.png and .svg.
usage: /usr/bin/python3 benchmarks/cluster_projection.py
"""
import csv
import statistics

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MASK = (1 << 64) - 1


def owner(experiment, sweep, unit, shards):
    """The shard of a run, as wh__journal_owner computes it (FNV-1a of the sweep's name)."""
    h = 14695981039346656037
    for byte in experiment.encode():
        h = ((h ^ byte) * 1099511628211) & MASK
    h = ((h ^ sweep) * 1099511628211) & MASK
    return (h % shards + unit % shards) % shards


rows = list(csv.DictReader(open("benchmarks/cluster.csv")))
seconds = [float(r["seconds"]) for r in csv.DictReader(open("benchmarks/cluster_timing.csv"))]
runs, work = len(seconds), sum(seconds)
one = statistics.median(float(r["total_s"]) for r in rows if r["tasks"] == "1")
two = statistics.median(float(r["total_s"]) for r in rows if r["tasks"] == "2")
merge = statistics.median(float(r["merge_s"]) for r in rows if r["tasks"] == "2")
# The overhead from the round whose per-run times these are (the last 1-task round).
last_one = float([r for r in rows if r["tasks"] == "1"][-1]["total_s"])
start = max(last_one - work, 0.0)


def projected(n):
    share = [0.0] * n
    for i, t in enumerate(seconds):
        share[owner("grid", 0, i, n)] += t
    return start + max(share) + (merge if n > 1 else 0.0)


nodes = list(range(1, runs + 1))
model = [projected(n) for n in nodes]
ideal = [start + work / n + (merge if n > 1 else 0.0) for n in nodes]
print(f"{runs} runs, {work:.2f} s of runs in all (longest {max(seconds):.3f} s); "
      f"task overhead {start:.2f} s, merge {merge:.2f} s; measured: 1 task {one:.2f} s, "
      f"2 tasks + merge {two:.2f} s")
print("| nodes | projected wall-clock (s) | speed-up | even split (s) |")
print("|---:|---:|---:|---:|")
for n in (1, 2, 4, 8, 16, 24, 48):
    if n <= runs:
        print(f"| {n} | {model[n - 1]:.2f} | {model[0] / model[n - 1]:.1f}× | {ideal[n - 1]:.2f} |")

fig, ax = plt.subplots(figsize=(6.4, 4.2))
ax.plot(nodes, model, "-", label="projected: round-robin shards, per-run times")
ax.plot(nodes, ideal, ":", label="an even split of the work")
ax.axhline(start + max(seconds) + merge, color="grey", lw=0.8,
           label="floor: overhead + longest run + merge")
ax.plot([1, 2], [one, two], "o", label="measured here (1 and 2 array tasks)")
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.set_xlabel("nodes (array tasks)")
ax.set_ylabel("wall-clock (s)")
ax.set_title(f"whiten sweep: {runs} runs on a Slurm array")
ax.legend(fontsize=8)
fig.tight_layout()
for ext in ("png", "svg"):
    fig.savefig(f"benchmarks/cluster_projection.{ext}", dpi=110)
