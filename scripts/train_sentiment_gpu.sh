#!/usr/bin/env bash
# The one prepared command for a GPU machine lent through the device tool: fine-tune several seeds of
# two settings at once on one GPU, and send back every run's held-out logits and one run's trained layers.
# Nothing is scored or chosen there; that happens here, by the rule written in docs/model-card.md first.
#
# Here, first:   make gpu-inputs
#                (build/gpu/inputs.npz: rows, token ids and 4-bit weights, 27 MB; build/gpu/wheels: pydantic
#                and the three packages it needs, which that machine lacks)
# There (device tool, from the repo root, carry ["build/gpu"], timeout_s 600):
#                bash scripts/train_sentiment_gpu.sh
# Here, after:   .venv/bin/python -m tools.sentiment.gpu_outputs unpack --files <files_at> --out build/gpu/runs
#                .venv/bin/python -m tools.sentiment.record_runs --run build/gpu/runs/l4-e6-s13 ...  (docs/runs)
#                .venv/bin/python -m tools.sentiment.compare_runs --run build/gpu/runs/l4-e6-s13 ... --pool 5
#                (runs of several hold-out folds: tools.sentiment.compare_folds --reference ... --run ...)
# Timing (2026-12-04, one H200, 12 runs at once: SETTINGS="4:6 12:3" SEEDS=13 FOLDS="0 1 2 3 4 5"): 7.6 min.
#
# Settings: SETTINGS ("layers:epochs ...", default the shipped 4:6 and all 12 layers 12:3), SEEDS
# (default 13-17), FOLDS (hold-out folds, default 0; a run of fold K is named ...-fK and cross-validates
# with tools.sentiment.compare_folds), DELTA_OF (the run whose trained layers come back, fixed before any
# run is scored; none: only held-out logits come back),
# TRAIN_SECONDS (each run is stopped then; finetune_e5 writes its best epoch after every epoch, so a
# stopped run is a run of fewer epochs, and what finished still comes back). DEVICE, THREADS and EXTRA
# (more finetune_e5 options) exist for a dry run on a CPU: OUT=/tmp/out DEVICE=cpu THREADS=2 SEEDS=13
# SETTINGS=12:1 DELTA_OF=l12-e1-s13 EXTRA="--per-dataset 10" WHEELS=none PYTHON=.venv/bin/python.
set -uo pipefail
: "${OUT:?OUT is where the device tool collects what comes back}"
SEEDS=${SEEDS:-13 14 15 16 17}
SETTINGS=${SETTINGS:-4:6 12:3}
FOLDS=${FOLDS:-0}
DELTA_OF=${DELTA_OF:-l12-e3-s13}
TRAIN_SECONDS=${TRAIN_SECONDS:-420}
DEVICE=${DEVICE:-cuda}
THREADS=${THREADS:-1}
EXTRA=${EXTRA:-}
PY=${PYTHON:-python3}
INPUTS=build/gpu/inputs.npz
RUNS=${RUNS:-/tmp/gpu-runs}  # not under build/gpu: that folder travels to the machine

test -f "$INPUTS" || { echo "no $INPUTS: run 'make gpu-inputs' here and carry build/gpu" >&2; exit 2; }
WHEELS=${WHEELS:-build/gpu/wheels}  # for Python 3.12 (the machine's); WHEELS=none where they are installed
if compgen -G "$WHEELS/*.whl" >/dev/null; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site "$WHEELS"/*.whl \
    || exit 2
  export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
mkdir -p "$RUNS"
{ date -u; nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>&1
  "$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'; } | tee "$OUT/log.txt"

pids=()
for setting in $SETTINGS; do
  layers=${setting%%:*} epochs=${setting##*:}
  for seed in $SEEDS; do
    for fold in $FOLDS; do
      name=l${layers}-e${epochs}-s${seed}$([ "$fold" = 0 ] || echo "-f$fold")
      # shellcheck disable=SC2086  # EXTRA is a list of options
      timeout "$TRAIN_SECONDS" "$PY" -m tools.sentiment.finetune_e5 --inputs "$INPUTS" --device "$DEVICE" \
        --top-layers "$layers" --epochs "$epochs" --seed "$seed" --fold "$fold" --threads "$THREADS" $EXTRA \
        --out "$RUNS/$name" --work "/tmp/work-$name" >"$RUNS/$name.log" 2>&1 &
      pids+=($!)
    done
  done
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for log in "$RUNS"/*.log; do { echo "== $log"; tail -n 4 "$log"; } >>"$OUT/log.txt"; done
delta=(--delta-of "$DELTA_OF"); [ "$DELTA_OF" = none ] && delta=()
"$PY" -m tools.sentiment.gpu_outputs pack --runs "$RUNS" "${delta[@]}" --out "$OUT" 2>&1 | tee -a "$OUT/log.txt"
date -u | tee -a "$OUT/log.txt"
exit $status
