# Attention-pooled TSN for benign/malignant diagnosis of any video list:
# MMAction2's stock TSN model (`Recognizer2D`, ImageNet-pretrained
# ResNet-50, `mmaction::_base_/models/tsn_r50.py`) with `TSNHead` swapped
# for `FrameAttentionHead`, which attends over the 8 segments instead of
# averaging them. Trains on videos alone (no keyframe images, no center or
# coherence loss): the video CE plus the frame CE of every segment.
#
# Point it at a `VideoDataset` list (`<path> <label>` per line, label 0 =
# benign, 1 = malignant, paths relative to the video folder) with
#   --cfg-options train_dataloader.dataset.ann_file=LIST \
#                 train_dataloader.dataset.data_prefix.video=DIR
# and the same keys under val_dataloader / test_dataloader. For a
# `RawframeDataset` list (`<frame_dir> <total_frames> <label>`) of frame
# folders, inherit this file and, in the three dataloaders, set
# `type='RawframeDataset'`, `data_prefix=dict(img=DIR)`, and replace the
# three decord steps of each pipeline (`DecordInit`, `SampleFrames`,
# `DecordDecode`) by the same `SampleFrames` followed by `RawFrameDecode`.
_base_ = [
    'mmaction::_base_/models/tsn_r50.py',
    '../_base_/schedules/sgd_8k_iters.py', '../_base_/default_runtime.py'
]
from kga_mmaction.datasets.pipeline_edits import replace_step, update_step

model = dict(
    cls_head=dict(
        _delete_=True,
        type='FrameAttentionHead',
        num_classes=2,
        in_channels=2048,
        aggregation='attention_mean',
        # TSNHead's dropout and init, as in the stock recipe
        dropout_ratio=0.4,
        init_std=0.01,
        average_clips='prob'))

# A video list has a val split of its own: validated every 1,000
# iterations.
val_interval = 1000
train_cfg = dict(val_interval=val_interval)

dataset_type = 'VideoDataset'
video_root = 'data/videos'
ann_file_train = 'data/videos/train_list.txt'
ann_file_val = 'data/videos/val_list.txt'
ann_file_test = 'data/videos/test_list.txt'

# MMAction2's TSN 1x1x8 pipelines (recognition/tsn/
# tsn_imagenet-pretrained-r50_8xb32-1x1x8-100e_kinetics400-rgb.py):
# 8 segments of 1 frame, multi-scale crops in training, 25 clips x 10 crops
# at test, all of which the attention weighs.
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(
        type='MultiScaleCrop',
        input_size=224,
        scales=(1, 0.875, 0.75, 0.66),
        random_crop=False,
        max_wh_scale_gap=1),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(
        type='SampleFrames',
        clip_len=1,
        frame_interval=1,
        num_clips=8,
        test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
# The val pipeline with 25 clips and ten crops for its center crop.
test_pipeline = replace_step(
    update_step(val_pipeline, 'SampleFrames', num_clips=25), 'CenterCrop',
    dict(type='TenCrop', crop_size=224))

train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=video_root),
        pipeline=train_pipeline))
# The training loader, in order, on the val list; at test one video (250
# crops) per batch.
val_dataloader = dict(
    train_dataloader,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        train_dataloader['dataset'],
        ann_file=ann_file_val,
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    val_dataloader,
    batch_size=1,
    dataset=dict(
        val_dataloader['dataset'],
        ann_file=ann_file_test,
        pipeline=test_pipeline))

# AUC, and ACC / sensitivity / specificity at the Youden threshold;
# malignant (class 1) is positive.
val_evaluator = dict(type='BinaryDiagnosisMetric', positive_class=1)
test_evaluator = val_evaluator
