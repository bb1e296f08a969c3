# BUSV videos and BUSI keyframe images, mixed 1:1 in every training batch
# (paper, section 4.1); tests on the BUSV test videos, up to 128 frames each.
# Layouts: see README ("Data").
busv_root = 'data/busv'
busi_root = 'data/Dataset_BUSI_with_GT'
split_variant = 'official'  # or 'clean': errata applied, leaks removed

# Ultrasound is grey-scale: geometric augmentation only, no colour jitter.
train_video_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=16),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop', area_range=(0.5, 1.0)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
train_image_pipeline = [
    dict(type='LoadImageAsFrames', num_frames=1),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop', area_range=(0.5, 1.0)),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
# `frame_inds` and `frame_dir` reach the predictions (--out-predictions).
test_meta_keys = ('img_shape', 'img_key', 'video_id', 'timestamp',
                  'frame_inds', 'frame_dir')
test_pipeline = [
    dict(type='SampleUpToFrames', max_frames=128),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs', meta_keys=test_meta_keys)
]

# `batch_size` is the global batch of the paper, 8 clips + 8 images, over
# all GPUs together: `MixedSourceBatchSampler` lays out every batch and
# splits it evenly across the processes (4 + 4 per GPU on 2 GPUs), so the lr
# needs no scaling. BatchNorm then sees 1/W of a batch per GPU: `sync_bn`
# (default_runtime.py) makes its statistics global again.
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='MixedSourceBatchSampler', video_fraction=0.5),
    dataset=dict(
        type='MixedVideoImageDataset',
        video=dict(
            type='BUSVDataset',
            data_root=busv_root,
            split='train',
            split_variant=split_variant,
            pipeline=train_video_pipeline),
        image=dict(
            type='BUSIDataset',
            data_root=busi_root,
            pipeline=train_image_pipeline)))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='BUSVDataset',
        data_root=busv_root,
        split='val',
        split_variant=split_variant,
        pipeline=test_pipeline,
        test_mode=True))
test_dataloader = val_dataloader

# AUC, and ACC / sensitivity / specificity at the Youden threshold (the
# paper's protocol, Tables 1-2); malignant (class 1) is positive.
val_evaluator = dict(type='BinaryDiagnosisMetric', positive_class=1)
test_evaluator = val_evaluator
