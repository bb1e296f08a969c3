# CPU demo of Table 2, row 1 (without image guidance: synthetic BUSV alone,
# class centers formed from the video frames): the KGA-Net demo with the
# change of `configs/kga_net/kga-net-wo-image-guidance_r50-in1k-pre_1xb16-
# 1x1x16-8k_busv.py`, batches of 8 videos (the demo's total batch).
_base_ = './kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py'

model = dict(cls_head=dict(center_source='video'))

train_dataloader = dict(
    _delete_=True,
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset={{_base_.train_dataloader.dataset.video}})
