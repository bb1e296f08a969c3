# CPU demo of the MViT baseline (Table 1) on the synthetic BUSV/BUSI data
# that `tools/data/make_synthetic.py` writes, at the size and schedule of the
# KGA-Net demo (`kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py`): MViTv2-S
# at a quarter of the width (24 embedding dimensions) with one block per
# scale (4 blocks, downscaling after each of the first 3), trained from
# scratch on 8x2x1 clips at 96x96, batches of 4 video clips + 4 static image
# clips, 600 iterations; tested on 128 // 8 = 16 clips per video (the
# protocol of `busv_busi_mixed_3d.py`, at demo size).
_base_ = '../baselines/mvit-small-p244_k400-pre_1xb16-16x4x1-8k_busv-busi.py'

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
load_from = None

busv_root = 'data/synthetic/busv'
busi_root = 'data/synthetic/Dataset_BUSI_with_GT'
clip_len = 8
frame_interval = 2
test_num_clips = 128 // clip_len

train_video_pipeline = [
    dict(
        type='SampleFrames',
        clip_len=clip_len,
        frame_interval=frame_interval,
        num_clips=1),
    dict(type='RawFrameDecode'),
    dict(type='RandomResizedCrop', area_range=(0.6, 1.0)),
    dict(type='Resize', scale=(96, 96), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
train_image_pipeline = [
    dict(type='LoadImageAsFrames', num_frames=clip_len),
    dict(type='RandomResizedCrop', area_range=(0.6, 1.0)),
    dict(type='Resize', scale=(96, 96), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(
        type='SampleFrames',
        clip_len=clip_len,
        frame_interval=frame_interval,
        num_clips=test_num_clips,
        test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(96, 96), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]

train_batch_size = 8
train_dataloader = dict(
    batch_size=train_batch_size,
    num_workers=2,
    sampler=dict(batch_size=train_batch_size),
    dataset=dict(
        video=dict(data_root=busv_root, pipeline=train_video_pipeline),
        image=dict(data_root=busi_root, pipeline=train_image_pipeline)))
val_dataloader = dict(
    num_workers=1,
    dataset=dict(data_root=busv_root, pipeline=test_pipeline))
test_dataloader = val_dataloader

# The KGA-Net demo's schedule, with MViT's optimizer.
max_iters = 600
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
# AdamW from scratch: 10x the fine-tuning lr.
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=50),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[400, 520], gamma=0.1)
]
default_hooks = dict(
    checkpoint=dict(interval=max_iters), logger=dict(interval=50))
