# The paper's schedule (section 4.1): SGD, lr 0.005, momentum 0.9, linear
# warm-up over the first 1,000 iterations, x0.1 at 4,000 and 6,000, 8,000
# iterations in all. Validated once, at the end: the val loaders hold the
# BUSV test split (it has no other), on which no model is selected.
max_iters = 8000
val_interval = max_iters

train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.005, momentum=0.9, weight_decay=1e-4))

param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=1000),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters,
         milestones=[4000, 6000], gamma=0.1)
]

# lr 0.005 was set for a total batch of 16 (8 videos + 8 images).
auto_scale_lr = dict(enable=False, base_batch_size=16)
