# Table 2, row 1: without image guidance. BUSV alone; the class centers are
# formed from the video frames.
_base_ = './kga-net_r50-in1k-pre_1xb16-1x1x16-8k_busv-busi.py'

model = dict(cls_head=dict(center_source='video'))

# The paper config's loader (16 per batch) on its video half, the BUSV
# training set of `_base_/datasets/busv.py`, without the mixed batches.
train_dataloader = dict(
    _base_.train_dataloader,
    _delete_=True,
    dataset=_base_.train_dataloader.dataset.video)
del train_dataloader['batch_sampler']
