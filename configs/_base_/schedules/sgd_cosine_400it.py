# The schedule of the recipe study's ImageNet proxy
# (`pretrain_proxy` in tools/analysis/recipe_study.py): SGD, lr 0.05,
# momentum 0.9, weight decay 1e-4, cosine decay to 0 over 400 iterations.
# Training only (no val/test loops).
max_iters = 400

train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=1e-4))

param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=max_iters,
         T_max=max_iters, eta_min=0.)
]
