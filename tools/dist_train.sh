#!/usr/bin/env bash
# Distributed training with torchrun, on one node or several.
#   tools/dist_train.sh CONFIG GPUS [train.py args...]
# Multi-node: run on every node with NNODES, MASTER_ADDR (and the same PORT);
# the nodes meet through torchrun's c10d rendezvous on MASTER_ADDR:PORT,
# which also numbers them (NODE_RANK is not needed). On a machine without
# CUDA the processes use gloo on the CPU. When a process dies, torchrun stops
# the others and names the failed rank. MAX_RESTARTS=N lets torchrun restart
# the processes up to N times; a restarted run resumes from the last
# checkpoint by itself (tools/train.py). Restarts need the c10d rendezvous:
# with torchrun's static one (--node_rank) the restarted gloo groups could
# not connect on this stack.
set -euo pipefail
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
MAX_RESTARTS=${MAX_RESTARTS:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# $PYTHON if set, else the project's .venv when no other venv is active.
if [[ -z "${PYTHON:-}" ]]; then
    PYTHON=python
    [[ -x "$ROOT/.venv/bin/python" && -z "${VIRTUAL_ENV:-}" ]] && PYTHON="$ROOT/.venv/bin/python"
fi

PYTHONPATH="$ROOT:${PYTHONPATH:-}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --rdzv_backend=c10d \
    --rdzv_endpoint="$MASTER_ADDR:$PORT" \
    --rdzv_id="${RDZV_ID:-mimae-$PORT}" \
    --nproc_per_node="$GPUS" \
    --max_restarts="$MAX_RESTARTS" \
    "$ROOT/tools/train.py" "$CONFIG" --launcher pytorch "${@:3}"
