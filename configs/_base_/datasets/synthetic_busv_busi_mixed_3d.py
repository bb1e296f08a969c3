# The synthetic demo data of `synthetic_busv_busi_mixed.py` as NCTHW clips,
# for the CPU demos of the 3D baselines: `busv_busi_mixed_3d.py` (images as
# static clips, the 128-frame test protocol) at demo size. Sampling is 8x2x1
# at 96x96; tested on 128 // 8 = 16 clips per video.
_base_ = './synthetic_busv_busi_mixed.py'
from kga_mmaction.datasets.pipeline_edits import clip_protocol

clip_len, frame_interval = 8, 2
test_num_clips = 128 // clip_len

(train_video_pipeline, train_image_pipeline, test_pipeline, train_dataloader,
 val_dataloader, test_dataloader) = clip_protocol(
     _base_, clip_len, frame_interval, test_num_clips)
