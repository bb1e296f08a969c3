# KGA-Net (the paper config) with the three stabilisers that kept its
# attention alive on the paper recipe at CPU size
# (results/attention_collapse.md; README, "Attention: collapse and
# stabilisers"):
# - weight-normalised aggregation, F_V = sum_i w_i F_i / sum_i w_i: the
#   video CE can no longer shrink F_V by shrinking every w (what drove the
#   paper recipe's weights to 0);
# - attention logits centred per video, w_i = sigmoid(z_i - mean_j z_j):
#   pins the level of the weights, which normalisation leaves free (they
#   drifted to 1 under eq. 3 and towards 0 under the released coherence);
# - class centers initialised from the first batch's image features instead
#   of N(0, 1), so that the center loss does not start near 1,270 and swamp
#   the backbone's gradients.
# The losses are the paper's (eqs. 2-4).
_base_ = './kga-net_r50-in1k-pre_1xb16-1x1x16-8k_busv-busi.py'

model = dict(
    cls_head=dict(
        aggregation='attention_normalized',
        center_logits=True,
        loss_center=dict(init='features')))
