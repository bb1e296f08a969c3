# BUSI images as a 3-class image classification set (benign, malignant,
# normal) for mmpretrain's `ImageClassifier`: the project's `BUSIDataset`
# (masks are never samples) with the training augmentation of the KGA-Net
# configs at `frame_size`, packed as mmpretrain packs an image. Defaults to
# the recipe study's synthetic BUSI at 64x64 (`configs/pretrain/`); a config
# at another size replaces the step by type:
#   train_pipeline = [dict(step, scale=(96, 96)) if step['type'] == 'Resize'
#                     else step for step in _base_.train_pipeline]
# Training only: there is no held-out split to validate on.
busi_root = 'data/recipe_study/Dataset_BUSI_with_GT'
busi_classes = ('benign', 'malignant', 'normal')
frame_size = 64

train_pipeline = [
    dict(type='LoadImageAsFrames', num_frames=1),
    dict(type='RandomResizedCrop', area_range=(0.5, 1.0)),
    dict(type='Resize', scale=(frame_size, frame_size), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='PackImageClassificationInputs')
]

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='BUSIDataset',
        data_root=busi_root,
        classes=busi_classes,
        pipeline=train_pipeline))
