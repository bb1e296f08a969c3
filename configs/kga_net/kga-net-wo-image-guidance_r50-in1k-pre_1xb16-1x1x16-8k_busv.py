# Table 2, row 1: without image guidance. BUSV alone; the class centers are
# formed from the video frames.
_base_ = './kga-net_r50-in1k-pre_1xb16-1x1x16-8k_busv-busi.py'

model = dict(cls_head=dict(center_source='video'))

train_dataloader = dict(
    _delete_=True,
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset={{_base_.train_dataloader.dataset.video}})
