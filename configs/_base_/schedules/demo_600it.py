# The CPU demos' schedule (`configs/demo/`, models trained from scratch):
# the paper's SGD schedule of `sgd_8k_iters.py` cut to 600 iterations, lr
# 0.01, warm-up over the first 50, x0.1 at 400 and 520; validated once, at
# the end.
_base_ = './sgd_8k_iters.py'

max_iters = 600
val_interval = max_iters

train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
optim_wrapper = dict(optimizer=dict(lr=0.01))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=50),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[400, 520], gamma=0.1)
]
