# What `make demo` trains: the KGA-Net demo with its backbone started, as
# the paper starts from ImageNet, from the stand-in of
# `configs/pretrain/resnet18-half_1xb32-400it_synthetic-busi-96px.py` (the
# same half-width ResNet-18 trained as an mmpretrain ImageClassifier on the
# demo's BUSI images; `make demo` trains it first). The rows of
# results/premise_sweep.md start from the same checkpoint.
_base_ = './kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py'

pretrain_checkpoint = ('work_dirs/pretrain/resnet18-half_1xb32-400it_'
                       'synthetic-busi-96px/iter_400.pth')
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrain_checkpoint,
            prefix='backbone.')))
