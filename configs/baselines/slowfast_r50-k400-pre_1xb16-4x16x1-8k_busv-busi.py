# Table 1, row SlowFast: MMAction2's SlowFast ResNet-50 4x16 (recipe
# `slowfast_r50_8xb8-4x16x1-256e_kinetics400-rgb.py`), fine-tuned from its
# Kinetics-400 checkpoint on the BUSV + BUSI mixed clips with the paper's
# schedule. 4x16x1 names the slow pathway (4 frames, 16 apart); the loaded
# clip is 32x2x1, the fast pathway's, as in the recipe's pipelines.
#
# The recipe config cannot be a `_base_` next to ours (duplicate top-level
# keys); its model file can.
_base_ = [
    'mmaction::_base_/models/slowfast_r50.py',
    '../_base_/datasets/busv_busi_mixed_3d.py',
    '../_base_/schedules/sgd_8k_iters.py', '../_base_/default_runtime.py'
]

model = dict(cls_head=dict(num_classes=2))

# Gradient clipping of MMAction2's recipe.
optim_wrapper = dict(clip_grad=dict(max_norm=40, norm_type=2))

load_from = (
    'https://download.openmmlab.com/mmaction/v1.0/recognition/slowfast/'
    'slowfast_r50_8xb8-4x16x1-256e_kinetics400-rgb/'
    'slowfast_r50_8xb8-4x16x1-256e_kinetics400-rgb_20220901-701b0f6f.pth')
