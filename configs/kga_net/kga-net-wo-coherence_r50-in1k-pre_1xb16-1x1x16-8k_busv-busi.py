# Table 2, row 3: without coherence loss (frame attention stays).
_base_ = './kga-net_r50-in1k-pre_1xb16-1x1x16-8k_busv-busi.py'

model = dict(cls_head=dict(loss_coherence=None))
