# Table 2, row 2: without coherence loss and attention: frame features are
# averaged (the center loss on the images stays).
_base_ = './kga-net_r50-in1k-pre_1xb16-1x1x16-8k_busv-busi.py'

model = dict(cls_head=dict(aggregation='frame_mean', loss_coherence=None))
