# CPU demo of Table 2, row 2 (without coherence loss and attention: frame
# features are averaged; the center loss on the images stays): the KGA-Net
# demo with the change of `configs/kga_net/kga-net-wo-coherence-attention_
# r50-in1k-pre_1xb16-1x1x16-8k_busv-busi.py`.
_base_ = './kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py'

model = dict(cls_head=dict(aggregation='frame_mean', loss_coherence=None))
