# The BUSV videos of `busv.py` and BUSI keyframe images, mixed 1:1 in every
# training batch (paper, section 4.1); tested as `busv.py` is.
# Layouts: see README ("Data").
_base_ = './busv.py'
# Configs edit a base's pipelines by step type, never by position, with the
# functions of kga_mmaction/datasets/pipeline_edits.py: mmengine runs a
# config as Python with `_base_` bound and keeps only its data, so a config
# may import them, after its `_base_` line (an import before it makes
# mmengine read the file as a pure-Python "lazy" config). Functions defined
# in a config file would not reach its children.
from kga_mmaction.datasets.pipeline_edits import image_pipeline

busi_root = 'data/Dataset_BUSI_with_GT'

# An image is one frame through the video pipeline's augmentation and
# formatting (every step after sampling and decoding).
train_image_pipeline = image_pipeline(_base_.train_video_pipeline)

# `batch_size` (16, `busv.py`) is the global batch of the paper, 8 clips +
# 8 images, over all GPUs together: `MixedSourceBatchSampler` lays out every
# batch and splits it evenly across the processes (4 + 4 per GPU on 2 GPUs),
# so the lr needs no scaling. BatchNorm then sees 1/W of a batch per GPU:
# `sync_bn` (default_runtime.py) makes its statistics global again.
train_dataloader = dict(
    batch_sampler=dict(type='MixedSourceBatchSampler', video_fraction=0.5),
    dataset=dict(
        _delete_=True,
        type='MixedVideoImageDataset',
        video=_base_.train_dataloader.dataset,
        image=dict(
            type='BUSIDataset',
            data_root=busi_root,
            pipeline=train_image_pipeline)))
