# KGA-Net (Sun et al., MICCAI 2023): ImageNet-pretrained ResNet-50 frame
# encoder, frame attention, center loss on the keyframe images and the
# coherence loss with lambda = 1 (eq. 4).
model = dict(
    type='KGARecognizer',
    backbone=dict(
        type='ResNet',
        pretrained='https://download.pytorch.org/models/resnet50-11ad3fa6.pth',
        depth=50,
        norm_eval=False),
    cls_head=dict(
        type='FrameAttentionHead',
        num_classes=2,
        in_channels=2048,
        aggregation='sum',
        dropout_ratio=0.,
        loss_center=dict(type='CenterLoss', loss_weight=1.0),
        loss_coherence=dict(type='CoherenceLoss', loss_weight=1.0,
                            variant='paper')),
    feature_activation='sigmoid',
    center_source='image',
    max_frames=128,
    data_preprocessor=dict(
        type='MixedSourceDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCHW'))
