# Table 1, row I3D: MMAction2's I3D ResNet-50 (recipe
# `i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb.py`),
# fine-tuned from its Kinetics-400 checkpoint on the BUSV + BUSI mixed clips
# with the paper's schedule.
#
# MMAction2's recipe config cannot be a `_base_` next to ours: it defines the
# same top-level keys (dataloaders, pipelines, schedule, hooks), and mmengine
# refuses duplicate keys among bases. Its model comes from the model file it
# inherits itself; the data, schedule and runtime are ours.
_base_ = [
    'mmaction::_base_/models/i3d_r50.py',
    '../_base_/datasets/busv_busi_mixed_3d.py',
    '../_base_/schedules/sgd_8k_iters.py', '../_base_/default_runtime.py'
]

# The Kinetics checkpoint holds the whole network: no ImageNet inflation.
model = dict(
    backbone=dict(pretrained=None, pretrained2d=False),
    cls_head=dict(num_classes=2))

# Gradient clipping of MMAction2's recipe (sgd_100e.py).
optim_wrapper = dict(clip_grad=dict(max_norm=40, norm_type=2))

load_from = (
    'https://download.openmmlab.com/mmaction/v1.0/recognition/i3d/'
    'i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb/'
    'i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb_'
    '20220812-e213c223.pth')
