# CPU demo of KGA-Net on the synthetic BUSV/BUSI data that
# `tools/data/make_synthetic.py` writes (what `make demo` trains): the paper
# config with a half-width ResNet-18 (mmpretrain's, 32 base channels) trained
# from scratch, 8-frame clips at 96x96, batches of 4 videos + 4 images and a
# short schedule.
_base_ = '../kga_net/kga-net_r50-in1k-pre_1xb16-1x1x16-8k_busv-busi.py'

busv_root = 'data/synthetic/busv'
busi_root = 'data/synthetic/Dataset_BUSI_with_GT'

model = dict(
    backbone=dict(
        _delete_=True, type='mmpretrain.ResNet', depth=18, base_channels=32),
    cls_head=dict(in_channels=256))

train_video_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8),
    dict(type='RawFrameDecode'),
    dict(type='RandomResizedCrop', area_range=(0.6, 1.0)),
    dict(type='Resize', scale=(96, 96), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
train_image_pipeline = [
    dict(type='LoadImageAsFrames', num_frames=1),
    dict(type='RandomResizedCrop', area_range=(0.6, 1.0)),
    dict(type='Resize', scale=(96, 96), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='SampleUpToFrames', max_frames=128),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(96, 96), keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs', meta_keys={{_base_.test_meta_keys}})
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

max_iters = 600
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(optimizer=dict(lr=0.01))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=50),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[400, 520], gamma=0.1)
]
default_hooks = dict(
    checkpoint=dict(interval=max_iters), logger=dict(interval=50))
