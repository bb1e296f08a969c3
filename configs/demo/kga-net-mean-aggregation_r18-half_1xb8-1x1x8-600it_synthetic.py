# The KGA-Net demo with the released code's aggregation, the frame mean of
# w_i * F_i (its length shrinks with every w), instead of the demo's
# weight-normalised one: the comparison row of results/premise_sweep.md.
_base_ = './kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py'

model = dict(cls_head=dict(aggregation='mean'))
