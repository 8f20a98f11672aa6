#!/bin/bash
# Spread an experiment over a Slurm job array: task i runs slice i of n, every slice writes
# into the same folder on shared storage, and a final job analyses it.
#
#   sbatch --array=1-16 experiments/slurm-array.sh experiments/beyond-brainstorming.yaml /shared/results/bb
#   sbatch --dependency=afterok:<array job id> --wrap "polyphony experiment analyze /shared/results/bb --html /shared/results/bb.html"
#
# Re-submitting the same array resumes: finished sessions are skipped, interrupted ones
# continue from their last complete turn. Slices never share a session, so they never write
# the same transcript.
#SBATCH --job-name=polyphony-experiment
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=12:00:00
#SBATCH --output=polyphony-%A_%a.log
set -euo pipefail

grid="${1:?usage: sbatch --array=1-N slurm-array.sh GRID.yaml OUT_DIR}"
out="${2:?usage: sbatch --array=1-N slurm-array.sh GRID.yaml OUT_DIR}"
# Slurm numbers tasks from --array's first index; count them from 1 for --shard.
index=$(( SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN + 1 ))
count="${SLURM_ARRAY_TASK_COUNT}"

exec polyphony experiment run "$grid" --out "$out" --shard "${index}/${count}" \
  --concurrency "${POLYPHONY_CONCURRENCY:-4}" ${POLYPHONY_BACKENDS:+--backends "$POLYPHONY_BACKENDS"}
