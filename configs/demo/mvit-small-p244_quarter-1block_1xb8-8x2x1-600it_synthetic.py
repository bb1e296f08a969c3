# CPU demo of the MViT baseline (Table 1, `configs/baselines/
# mvit-small-p244_k400-pre_1xb16-16x4x1-8k_busv-busi.py`) on the synthetic
# BUSV/BUSI data that `tools/data/make_synthetic.py` writes, at the size and
# schedule of the KGA-Net demo
# (`kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py`): MViTv2-S at a quarter
# of the width (24 embedding dimensions) with one block per scale (4 blocks;
# blocks 2 to 4 each open a new scale), trained from scratch on 8x2x1 clips
# at 96x96, batches of 4 video clips + 4 static image clips, 600 iterations;
# tested on 128 // 8 = 16 clips per video (the protocol of
# `busv_busi_mixed_3d.py`, at demo size).
_base_ = [
    '../_base_/models/mvit_small_2cls.py',
    '../_base_/datasets/synthetic_busv_busi_mixed_3d.py',
    '../_base_/schedules/demo_600it.py', '../_base_/demo_runtime.py'
]

# The relative position tables are sized for the 8x96x96 input.
model = dict(
    backbone=dict(
        arch=dict(
            _delete_=True,
            embed_dims=24,
            num_layers=4,
            num_heads=1,
            downscale_indices=[1, 2, 3]),
        spatial_size=96,
        temporal_size=8),
    cls_head=dict(in_channels=24 * 2**3))

# The baseline's AdamW (MMAction2's MViT recipe) at 10x its fine-tuning lr
# (from scratch).
optim_wrapper = dict(
    optimizer=dict(
        _delete_=True,
        type='AdamW',
        lr=1e-3,
        betas=(0.9, 0.999),
        weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0),
    clip_grad=dict(max_norm=1, norm_type=2))
