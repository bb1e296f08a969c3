# BUSV videos alone: 16 frames per training clip, tested on the BUSV test
# videos, up to 128 frames each (paper, section 4.1). The video half of
# `busv_busi_mixed.py`, which wraps this training dataset; the configs
# without image guidance train on it alone. Layout: see README ("Data").
busv_root = 'data/busv'
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
# `frame_inds` and `frame_dir` reach the predictions (--out-predictions);
# `lesion_areas` (one per frame of the video) gives the lesion area of each
# sampled frame, for `KeyframeLocalisationMetric` and the predictions.
test_meta_keys = ('img_shape', 'img_key', 'video_id', 'timestamp',
                  'frame_inds', 'frame_dir', 'lesion_areas')
test_pipeline = [
    dict(type='SampleUpToFrames', max_frames=128),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs', meta_keys=test_meta_keys)
]

# Loading, per GPU process, from the loader section of
# benchmarks/cpu-2core.md (one worker on these pipelines at BUSV's frame
# size, and the workers a GPU needs):
# from the released ~600x800 PNGs an H100 would need more workers than its
# machine has cores, decoding dominating (convert the data once with
# tools/data/convert_frames.py); from that JPEG copy a few suffice, and 8
# leave headroom while fitting the cores per GPU of common GPU machines.
# Workers persist (an epoch of mixed batches is only ~80 iterations long),
# batches land in pinned memory for the copy to the GPU, and torch's
# default 2 batches prefetched per worker keep 16 in flight (a batch costs
# about the same every time: 16 frames per clip, whatever the video).
train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    prefetch_factor=2,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='BUSVDataset',
        data_root=busv_root,
        split='train',
        split_variant=split_variant,
        pipeline=train_video_pipeline))
# One whole video per batch, in order (the loading settings above).
val_dataloader = dict(
    train_dataloader,
    batch_size=1,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        train_dataloader['dataset'],
        split='val',
        pipeline=test_pipeline,
        test_mode=True))
test_dataloader = val_dataloader

# AUC, and ACC / sensitivity / specificity at the Youden threshold (the
# paper's protocol, Tables 1-2); malignant (class 1) is positive.
val_evaluator = dict(type='BinaryDiagnosisMetric', positive_class=1)
test_evaluator = val_evaluator
