# Table 1, row R(2+1)D: MMAction2's R(2+1)D ResNet-34 (recipe
# `r2plus1d_r34_8xb8-32x2x1-180e_kinetics400-rgb.py`), fine-tuned from its
# Kinetics-400 checkpoint on the BUSV + BUSI mixed clips with the paper's
# schedule.
#
# The recipe config cannot be a `_base_` next to ours (duplicate top-level
# keys); its model file can.
_base_ = [
    'mmaction::_base_/models/r2plus1d_r34.py',
    '../_base_/datasets/busv_busi_mixed_3d.py',
    '../_base_/schedules/sgd_8k_iters.py', '../_base_/default_runtime.py'
]

# MMAction2's model file normalises with SyncBN (statistics pooled over the
# GPUs under DDP); BN3d with the same eps keeps the model the same on any
# number of GPUs or the CPU, and loads the checkpoint's SyncBN parameters and
# statistics unchanged (same state-dict keys).
model = dict(
    backbone=dict(norm_cfg=dict(type='BN3d', requires_grad=True, eps=1e-3)),
    cls_head=dict(num_classes=2))

# Gradient clipping of MMAction2's recipe.
optim_wrapper = dict(clip_grad=dict(max_norm=40, norm_type=2))

load_from = (
    'https://download.openmmlab.com/mmaction/v1.0/recognition/r2plus1d/'
    'r2plus1d_r34_8xb8-32x2x1-180e_kinetics400-rgb/'
    'r2plus1d_r34_8xb8-32x2x1-180e_kinetics400-rgb_20220812-4270588c.pth')
