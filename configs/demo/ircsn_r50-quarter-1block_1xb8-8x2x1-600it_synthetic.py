# CPU demo of the CSN baseline (Table 1, `configs/baselines/ircsn_r50-
# bnfrozen-k400-pre_1xb16-32x2x1-8k_busv-busi.py`) on the synthetic BUSV/BUSI
# data that `tools/data/make_synthetic.py` writes, at the size and schedule
# of the KGA-Net demo (`kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py`):
# ir-CSN's ResNet-50 at a quarter of the width (16 base channels) with one
# block per stage, trained from scratch on 8x2x1 clips at 96x96, batches of
# 4 video clips + 4 static image clips, 600 iterations; tested on
# 128 // 8 = 16 clips per video (the protocol of `busv_busi_mixed_3d.py`, at
# demo size).
_base_ = [
    'mmaction::_base_/models/ircsn_r152.py',
    '../_base_/datasets/synthetic_busv_busi_mixed_3d.py',
    '../_base_/schedules/demo_600it.py', '../_base_/demo_runtime.py'
]

# From scratch, BN must learn: the baseline's frozen BN is left out.
model = dict(
    backbone=dict(depth=50, base_channels=16, stage_blocks=(1, 1, 1, 1)),
    cls_head=dict(num_classes=2, in_channels=512))

# Gradient clipping of MMAction2's recipe, as in the baseline.
optim_wrapper = dict(clip_grad=dict(max_norm=40, norm_type=2))
