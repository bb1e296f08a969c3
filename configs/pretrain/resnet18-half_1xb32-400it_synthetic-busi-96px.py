# A pretrained start for the CPU demo's backbone (`configs/demo/kga-net_
# r18-half_1xb8-1x1x8-600it_synthetic.py`): the half-width ResNet-18 of the
# demo (mmpretrain's, 32 base channels, 256-d features) trained as an
# `ImageClassifier` on the demo's synthetic BUSI images (`make_synthetic.py
# --preset busv-like --out data/busv-like`) at the demo's 96x96; the schedule
# of the ResNet-50 stand-in. A KGA-Net config starts its backbone from the
# checkpoint with
#   backbone=dict(type='mmpretrain.ResNet', depth=18, base_channels=32,
#       init_cfg=dict(type='Pretrained', checkpoint=PATH,
#                     prefix='backbone.'))
_base_ = './resnet50_1xb32-400it_synthetic-busi-64px.py'

busi_root = 'data/busv-like/Dataset_BUSI_with_GT'
frame_size = 96

model = dict(
    backbone=dict(depth=18, base_channels=32),
    head=dict(in_channels=256))

train_pipeline = [
    dict(step, scale=(frame_size, frame_size))
    if step['type'] == 'Resize' else step for step in _base_.train_pipeline
]
train_dataloader = dict(
    dataset=dict(data_root=busi_root, pipeline=train_pipeline))
