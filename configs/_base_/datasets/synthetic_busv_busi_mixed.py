# The mixed data of `busv_busi_mixed.py` at CPU demo size, on the synthetic
# BUSV/BUSI that `tools/data/make_synthetic.py --preset busv-like --out
# data/busv-like` writes (`make demo`; the demos of `configs/demo/`): 8 frames per training video, at 96x96, and batches of
# 4 videos + 4 images. The synthetic frames are small (128x128 by default):
# no resize to 256 first.
_base_ = './busv_busi_mixed.py'
from kga_mmaction.datasets.pipeline_edits import (image_pipeline,
                                                  replace_preprocessing,
                                                  update_step)

busv_root = 'data/busv-like/busv'
busi_root = 'data/busv-like/Dataset_BUSI_with_GT'

# The sampling, decoding and formatting of `busv.py`, with 8 frames per
# training video and this augmentation; tested with one resize to 96x96 for
# the resize and crop.
train_video_pipeline = replace_preprocessing(
    update_step(_base_.train_video_pipeline, 'SampleFrames', num_clips=8),
    dict(type='RandomResizedCrop', area_range=(0.6, 1.0)),
    dict(type='Resize', scale=(96, 96), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5))
train_image_pipeline = image_pipeline(train_video_pipeline)
test_pipeline = replace_preprocessing(
    _base_.test_pipeline, dict(type='Resize', scale=(96, 96),
                               keep_ratio=False))

# On the CPU: no pinned memory (there is no GPU to copy to), and torch's
# default prefetch, so that `num_workers=0` (with `persistent_workers=False`)
# is a valid override for loading in the main process.
cpu_loading = dict(pin_memory=False, prefetch_factor=None)
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    **cpu_loading,
    dataset=dict(
        video=dict(data_root=busv_root, pipeline=train_video_pipeline),
        image=dict(data_root=busi_root, pipeline=train_image_pipeline)))
val_dataloader = dict(
    num_workers=1,
    **cpu_loading,
    dataset=dict(data_root=busv_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
