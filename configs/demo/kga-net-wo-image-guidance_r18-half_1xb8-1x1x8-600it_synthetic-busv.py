# CPU demo of Table 2, row 1 (without image guidance: synthetic BUSV alone,
# class centers formed from the video frames): the KGA-Net demo with the
# change of `configs/kga_net/kga-net-wo-image-guidance_r50-in1k-pre_1xb16-
# 1x1x16-8k_busv.py`, batches of 8 videos (the demo's total batch).
_base_ = './kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py'
from kga_mmaction.datasets.pipeline_edits import video_only_dataloader

model = dict(cls_head=dict(center_source='video'))

# The demo's loader on its video half, without the mixed batches.
train_dataloader = video_only_dataloader(_base_.train_dataloader)
