#!/usr/bin/env bash
# Usage: tools/dist_launch.sh TOOL GPUS [TOOL arguments]: one process per GPU
# through torch.distributed.run (what dist_train.sh and dist_test.sh run).
# NNODES, NODE_RANK, PORT and MASTER_ADDR set a multi-node run.
TOOL=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

PYTHONPATH="$(dirname $0)/..":$PYTHONPATH \
python -m torch.distributed.run \
    --nnodes=$NNODES --node_rank=$NODE_RANK --master_addr=$MASTER_ADDR \
    --nproc_per_node=$GPUS --master_port=$PORT \
    $(dirname "$0")/$TOOL "${@:3}" --launcher pytorch
