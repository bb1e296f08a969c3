# Table 2, row 1: without image guidance. BUSV alone; the class centers are
# formed from the video frames.
_base_ = './kga-net_r50-in1k-pre_1xb16-1x1x16-8k_busv-busi.py'
from kga_mmaction.datasets.pipeline_edits import video_only_dataloader

model = dict(cls_head=dict(center_source='video'))

# The paper config's loader (16 per batch) on its video half, the BUSV
# training set of `_base_/datasets/busv.py`, without the mixed batches.
train_dataloader = video_only_dataloader(_base_.train_dataloader)
