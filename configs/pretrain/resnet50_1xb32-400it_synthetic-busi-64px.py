# The stand-in for ImageNet weights of the recipe study's paper recipe at CPU
# size (`configs/recipe_study/kga-net_r50-synbusi-pre_1xb16-1x1x16-320it_
# synthetic.py`): mmpretrain's ResNet-50 trained as an `ImageClassifier` on
# the study's synthetic BUSI images (benign, malignant, normal) at 64x64,
# batch 32, SGD lr 0.05 with cosine decay over 400 iterations, as
# `pretrain_proxy` in tools/analysis/recipe_study.py does with torchvision.
# A KGA-Net config starts its backbone from the checkpoint with
#   backbone=dict(type='mmpretrain.ResNet', depth=50, init_cfg=dict(
#       type='Pretrained', checkpoint=PATH, prefix='backbone.'))
_base_ = [
    '../_base_/models/resnet50_busi_classifier.py',
    '../_base_/datasets/synthetic_busi_classification.py',
    '../_base_/schedules/sgd_cosine_400it.py', '../_base_/default_runtime.py'
]

# One checkpoint, at the end; a log line every 20 iterations, whose loss and
# training accuracy are means over those 20 (mmengine logs the accuracy of
# the last batch by default).
default_hooks = dict(
    checkpoint=dict(interval=_base_.max_iters), logger=dict(interval=20))
log_processor = dict(
    mean_pattern=r'.*(loss|time|data_time|grad_norm|accuracy).*')
