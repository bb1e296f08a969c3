# Table 1, row CSN: MMAction2's interaction-reduced CSN ResNet-50 with frozen
# BN (recipe `ircsn_ig65m-pretrained-r50-bnfrozen_8xb12-32x2x1-58e_
# kinetics400-rgb.py`: IG-65M pre-training, Kinetics-400 fine-tuning),
# fine-tuned from its Kinetics-400 checkpoint on the BUSV + BUSI mixed clips
# with the paper's schedule.
#
# The recipe config cannot be a `_base_` next to ours (duplicate top-level
# keys); its model file (ir-CSN-152) can, with the recipe's changes below.
_base_ = [
    'mmaction::_base_/models/ircsn_r152.py',
    '../_base_/datasets/busv_busi_mixed_3d.py',
    '../_base_/schedules/sgd_8k_iters.py', '../_base_/default_runtime.py'
]

# Depth 50 and frozen BN statistics and affine parameters, as in the recipe.
# The Kinetics checkpoint holds the whole network, so the recipe's IG-65M
# backbone weights are not loaded first.
model = dict(
    backbone=dict(
        depth=50, norm_eval=True, bn_frozen=True, pretrained=None),
    cls_head=dict(num_classes=2))

# Gradient clipping of MMAction2's recipe. Frozen BN parameters get no
# gradient, which DDP must be told about (as in the recipe).
optim_wrapper = dict(clip_grad=dict(max_norm=40, norm_type=2))
find_unused_parameters = True

load_from = (
    'https://download.openmmlab.com/mmaction/v1.0/recognition/csn/'
    'ircsn_ig65m-pretrained-r50-bnfrozen_8xb12-32x2x1-58e_kinetics400-rgb/'
    'ircsn_ig65m-pretrained-r50-bnfrozen_8xb12-32x2x1-58e_kinetics400-rgb_'
    '20220811-44395bae.pth')
