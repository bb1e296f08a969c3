# CPU demo of the R(2+1)D baseline (Table 1, `configs/baselines/
# r2plus1d_r34-k400-pre_1xb16-32x2x1-8k_busv-busi.py`) on the synthetic
# BUSV/BUSI data that `tools/data/make_synthetic.py` writes, at the size and
# schedule of the KGA-Net demo
# (`kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py`): R(2+1)D's ResNet-34 at
# a quarter of the width (16 base channels) with one block per stage, trained
# from scratch on 8x2x1 clips at 96x96, batches of 4 video clips + 4 static
# image clips, 600 iterations; tested on 128 // 8 = 16 clips per video (the
# protocol of `busv_busi_mixed_3d.py`, at demo size).
_base_ = [
    'mmaction::_base_/models/r2plus1d_r34.py',
    '../_base_/datasets/synthetic_busv_busi_mixed_3d.py',
    '../_base_/schedules/demo_600it.py', '../_base_/demo_runtime.py'
]

# BN3d for the model file's SyncBN, as in the baseline.
model = dict(
    backbone=dict(
        norm_cfg=dict(type='BN3d', requires_grad=True, eps=1e-3),
        base_channels=16,
        stage_blocks=(1, 1, 1, 1)),
    cls_head=dict(num_classes=2, in_channels=128))

# Gradient clipping of MMAction2's recipe, as in the baseline.
optim_wrapper = dict(clip_grad=dict(max_norm=40, norm_type=2))
