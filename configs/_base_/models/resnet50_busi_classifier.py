# mmpretrain's ImageClassifier with a ResNet-50 for the 3 BUSI classes: what
# `configs/pretrain/` trains as a stand-in for ImageNet weights. The pixels
# are normalised as the KGA-Net configs normalise them (ImageNet mean and
# std, RGB frames from `LoadImageAsFrames`), so that the backbone sees the
# same inputs when a recognizer starts from it. The head reports the
# training accuracy (`accuracy_top-1` in the log). Every type is scoped:
# nested modules are built in the runtime's default scope, mmaction, whose
# `CrossEntropyLoss` is MMAction2's (another signature) and whose `ResNet`
# is MMAction2's.
model = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor=dict(
        type='mmpretrain.ClsDataPreprocessor',
        num_classes=3,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=False),
    backbone=dict(type='mmpretrain.ResNet', depth=50, out_indices=(3, )),
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=3,
        in_channels=2048,
        loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0),
        topk=(1, ),
        cal_acc=True))
