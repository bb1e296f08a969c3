# The synthetic demo data of `synthetic_busv_busi_mixed.py` as NCTHW clips,
# for the CPU demos of the 3D baselines: `busv_busi_mixed_3d.py` (images as
# static clips, the 128-frame test protocol) at demo size. Sampling is 8x2x1
# at 96x96; tested on 128 // 8 = 16 clips per video.
_base_ = './synthetic_busv_busi_mixed.py'

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
    dict(type='PackActionInputs', meta_keys={{_base_.test_meta_keys}})
]

train_dataloader = dict(
    dataset=dict(
        video=dict(pipeline=train_video_pipeline),
        image=dict(pipeline=train_image_pipeline)))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
