#!/usr/bin/env bash
# Distributed training with torchrun, on one node or several.
#   tools/dist_train.sh CONFIG GPUS [train.py args...]
# Multi-node: run on every node with NNODES, NODE_RANK, MASTER_ADDR (and the
# same PORT). On a machine without CUDA the processes use gloo on the CPU.
set -euo pipefail
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
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
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --master_port="$PORT" \
    --nproc_per_node="$GPUS" \
    "$ROOT/tools/train.py" "$CONFIG" --launcher pytorch "${@:3}"
