# MMAction2's MViTv2-S with the model settings of its Kinetics-400 recipe
# (`mvit-small-p244_32xb16-16x4x1-200e_kinetics400-rgb.py`): the
# normalisation the checkpoint was trained with, mixup and cutmix, here over
# our 2 classes (the head's label smoothing and the backbone's drop path come
# with the model file). Shared by the MViT baseline and its demo.
_base_ = 'mmaction::_base_/models/mvit_small.py'

model = dict(
    data_preprocessor=dict(
        mean=[114.75, 114.75, 114.75],
        std=[57.375, 57.375, 57.375],
        blending=dict(
            type='RandomBatchAugment',
            augments=[
                dict(type='MixupBlending', alpha=0.8, num_classes=2),
                dict(type='CutmixBlending', alpha=1, num_classes=2)
            ])),
    cls_head=dict(num_classes=2))
