"""Train a recognizer: ``python tools/train.py CONFIG [options]``.

Works with kga-mmaction's configs and with MMAction2's own; importing
``kga_mmaction`` registers the plugin and installs the safe checkpoint
loader used by ``--resume`` and ``load_from``.
"""
import argparse
import os.path as osp

from mmengine.config import Config
from mmengine.runner import Runner

import kga_mmaction  # noqa: F401  (registers the plugin)
from kga_mmaction.apis import merge_runner_args, parse_runner_args
from kga_mmaction.engine import (register_safe_checkpoint_loader,
                                 setup_cpu_distributed)
from kga_mmaction.utils import amp_training_available


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a recognizer')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='directory for logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from this checkpoint, or from the latest one in the '
        'work directory when no path is given')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision (AmpOptimWrapper)')
    parser.add_argument('--no-validate', action='store_true',
                        help='do not evaluate during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by the batch size')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument('--diff-rank-seed', action='store_true',
                        help='a different seed on every rank')
    parser.add_argument('--deterministic', action='store_true',
                        help='deterministic algorithms (cuDNN and torch)')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='allow arbitrary pickled objects in the checkpoint to resume '
        'from; only for files from a trusted source')
    return parse_runner_args(parser)


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Merge the command line into the config."""
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        if not amp_training_available():
            raise ValueError(
                '--amp trains in mixed precision with mmengine\'s '
                'AmpOptimWrapper, which needs a GPU (CUDA, NPU, MLU or MUSA); '
                'torch sees none here. Leave out --amp to train in float32 '
                'on the CPU.')
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError(f'--amp does not support optim_wrapper type '
                             f'{wrapper!r}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        batch_sampler = cfg.train_dataloader.get('batch_sampler') or {}
        if batch_sampler.get('type') == 'MixedSourceBatchSampler':
            raise ValueError(
                '--auto-scale-lr scales the lr by the number of processes, '
                'but MixedSourceBatchSampler keeps the global batch at '
                'train_dataloader.batch_size whatever their number: the lr '
                'needs no scaling')
        cfg.auto_scale_lr.enable = True
    randomness = dict(cfg.get('randomness') or {})
    if args.seed is not None:
        randomness['seed'] = args.seed
    if args.diff_rank_seed:
        randomness['diff_rank_seed'] = True
    if args.deterministic:
        randomness['deterministic'] = True
    cfg.randomness = randomness
    return merge_runner_args(cfg, args)


def main() -> None:
    args = parse_args()
    register_safe_checkpoint_loader(trust=args.trust_checkpoint)
    cfg = merge_args(Config.fromfile(args.config), args)
    Runner.from_cfg(setup_cpu_distributed(cfg)).train()


if __name__ == '__main__':
    main()
