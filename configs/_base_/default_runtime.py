# Runtime shared by every kga-mmaction experiment: MMAction2's, adapted to
# iteration-based schedules, with the plugin imported.
_base_ = 'mmaction::_base_/default_runtime.py'

custom_imports = dict(imports=['kga_mmaction'], allow_failed_imports=False)

# Checkpoints are written to a temporary name and renamed into place, and the
# oldest is removed only after the new one exists: a kill during a save keeps
# a checkpoint to resume from.
default_hooks = dict(
    checkpoint=dict(
        type='AtomicCheckpointHook', by_epoch=False, interval=1000,
        max_keep_ckpts=2, save_best=None))
log_processor = dict(type='LogProcessor', window_size=20, by_epoch=False)
randomness = dict(seed=0, diff_rank_seed=False, deterministic=False)
# A second training run on a work dir that a live run holds fails at start.
# A NaN or infinite loss stops training before the state is checkpointed.
custom_hooks = [dict(type='WorkDirLockHook'), dict(type='NonFiniteLossHook')]
# To log what drives the frame attention every 20 iterations, a child adds
# custom_hooks = _base_.custom_hooks + [dict(type='AttentionMonitorHook')]

# Under a launcher (`dist_train.sh CFG W`), W GPUs share the global batch of
# `train_dataloader.batch_size` (MixedSourceBatchSampler), so each GPU holds
# 1/W of it: BatchNorm pools its statistics over all of them, as the
# released code does (SyncBN whenever world_size > 1). One process (a single
# GPU, or the CPU, where torch has no SyncBN) keeps plain BatchNorm.
sync_bn = 'torch'
