# The mixed data of `busv_busi_mixed.py` at CPU demo size, on the synthetic
# BUSV/BUSI that `tools/data/make_synthetic.py` writes (the demos of
# `configs/demo/`): 8 frames per training video, at 96x96, and batches of
# 4 videos + 4 images. The synthetic frames are small (128x128 by default):
# no resize to 256 first.
_base_ = './busv_busi_mixed.py'

busv_root = 'data/synthetic/busv'
busi_root = 'data/synthetic/Dataset_BUSI_with_GT'

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

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    dataset=dict(
        video=dict(data_root=busv_root, pipeline=train_video_pipeline),
        image=dict(data_root=busi_root, pipeline=train_image_pipeline)))
val_dataloader = dict(
    num_workers=1,
    dataset=dict(data_root=busv_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
