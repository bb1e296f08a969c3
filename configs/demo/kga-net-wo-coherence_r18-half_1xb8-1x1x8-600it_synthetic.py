# CPU demo of Table 2, row 3 (without coherence loss; frame attention stays):
# the KGA-Net demo with the change of `configs/kga_net/kga-net-wo-coherence_
# r50-in1k-pre_1xb16-1x1x16-8k_busv-busi.py`.
_base_ = './kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py'

model = dict(cls_head=dict(loss_coherence=None))
