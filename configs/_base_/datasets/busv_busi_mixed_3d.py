# The mixed BUSV + BUSI data of `busv_busi_mixed.py` as NCTHW clips, for the
# 3D baselines of Table 1. Paper, section 4.2: "we train these models using
# both video and image data, treating images as static videos": a BUSI image
# becomes a clip of `clip_len` identical frames (`LoadImageAsFrames`), so a
# batch stacks [N, 3, clip_len, H, W] clips of both sources.
#
# Sampling is MMAction2's 32x2x1 (clip_len x frame_interval x num_clips), the
# one of its I3D, SlowFast-4x16, R(2+1)D and CSN Kinetics-400 configs. A
# child that changes it (MViT: 16x4x1) makes its pipelines again with
# `clip_protocol` and points the dataloaders at them: a list is replaced
# whole, never merged, across configs.
#
# Test protocol. The paper feeds every model up to 128 frames per video
# (section 4.1); KGA-Net takes them as 128 single frames. A 3D model takes
# them as 128 // clip_len clips of its own training shape (clip_len frames,
# frame_interval apart), the first starting at the first frame and the last
# ending at the last frame, evenly spaced between (`SampleFrames` in test
# mode, MMAction2's multi-clip test); the heads average the clip scores
# (`average_clips='prob'`). Clips overlap in videos shorter than
# 128 // clip_len * clip_len * frame_interval frames; a video shorter than one
# clip span is looped. This keeps every model at its training clip shape
# (MViT's relative position tables are sized for it) and bounds memory,
# where a single 128-frame clip would not.
_base_ = './busv_busi_mixed.py'
from kga_mmaction.datasets.pipeline_edits import clip_protocol

clip_len, frame_interval = 32, 2
test_num_clips = 128 // clip_len

# The pipelines of `busv_busi_mixed.py` on clips: sampled as clips of this
# shape and formatted NCTHW; decoding, augmentation and packing stay.
(train_video_pipeline, train_image_pipeline, test_pipeline, train_dataloader,
 val_dataloader, test_dataloader) = clip_protocol(
     _base_, clip_len, frame_interval, test_num_clips)
