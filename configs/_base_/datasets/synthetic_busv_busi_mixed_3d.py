# The synthetic demo data of `synthetic_busv_busi_mixed.py` as NCTHW clips,
# for the CPU demos of the 3D baselines: `busv_busi_mixed_3d.py` (images as
# static clips, the 128-frame test protocol) at demo size. Sampling is 8x2x1
# at 96x96; tested on 128 // 8 = 16 clips per video.
_base_ = './synthetic_busv_busi_mixed.py'

clip_len = 8
frame_interval = 2
test_num_clips = 128 // clip_len

# The pipelines of `synthetic_busv_busi_mixed.py` on clips, as
# `busv_busi_mixed_3d.py` makes them: sampled as clips of this shape and
# formatted NCTHW; decoding, augmentation and packing stay.
train_video_pipeline = [
    dict(
        type='SampleFrames',
        clip_len=clip_len,
        frame_interval=frame_interval,
        num_clips=1),
    *_base_.train_video_pipeline[1:-2],
    dict(type='FormatShape', input_format='NCTHW'),
    _base_.train_video_pipeline[-1]
]
train_image_pipeline = [
    dict(type='LoadImageAsFrames', num_frames=clip_len),
    *train_video_pipeline[2:]
]
test_pipeline = [
    dict(
        type='SampleFrames',
        clip_len=clip_len,
        frame_interval=frame_interval,
        num_clips=test_num_clips,
        test_mode=True),
    *_base_.test_pipeline[1:-2],
    dict(type='FormatShape', input_format='NCTHW'),
    _base_.test_pipeline[-1]
]

train_dataloader = dict(
    dataset=dict(
        video=dict(pipeline=train_video_pipeline),
        image=dict(pipeline=train_image_pipeline)))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
