"""Configs, models and batches the benchmark runs.

Models have random weights (every ``pretrained`` and ``Pretrained``
``init_cfg`` dropped, ``load_from`` unset): speed does not depend on them, and nothing is downloaded.
"""
import copy
import importlib
import os.path as osp
from typing import Callable, Sequence

import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config

#: The checkout holding ``configs/`` (the report names configs relative
#: to it).
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
KGA_CONFIG = osp.join(REPO_ROOT, 'configs', 'kga_net',
                      'kga-net_r50-in1k-pre_1xb16-1x1x16-8k_busv-busi.py')
TSN_CONFIG = (
    'mmaction::recognition/tsn/'
    'tsn_imagenet-pretrained-r50_8xb32-1x1x3-100e_kinetics400-rgb.py')
DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'demo',
                       'kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py')
BASELINE_GLOB = osp.join(REPO_ROOT, 'configs', 'baselines', '*.py')


def resolve_config(path: str) -> str:
    """A config file path; ``package::rel/path.py`` is looked up in the
    installed package's ``.mim/configs`` (as ``_base_`` does).

    Raises:
        FileNotFoundError: The package has no such config.
    """
    if '::' not in path:
        return path
    package, rel = path.split('::', 1)
    module = importlib.import_module(package)
    candidate = osp.join(osp.dirname(module.__file__), '.mim', 'configs', rel)
    if not osp.isfile(candidate):
        raise FileNotFoundError(f'{path}: no {candidate}')
    return candidate


def load_cfg(path: str) -> Config:
    """A config with every pretrained checkpoint dropped."""
    cfg = Config.fromfile(resolve_config(path))
    no_pretrained(cfg.model)
    cfg.load_from = None
    return cfg


def no_pretrained(model_cfg):
    """Drop every checkpoint a model config would load at build or init
    (``pretrained`` URLs/paths, ImageNet inflation, ``init_cfg`` of type
    ``Pretrained``): random weights, nothing downloaded.

    Returns:
        The same config, changed in place.
    """
    if isinstance(model_cfg, dict):
        init = model_cfg.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            model_cfg['init_cfg'] = None
        for key, value in model_cfg.items():
            if key in ('pretrained', 'pretrained2d') and isinstance(
                    value, (str, bool)):
                model_cfg[key] = None if key == 'pretrained' else False
            else:
                no_pretrained(value)
    elif isinstance(model_cfg, (list, tuple)):
        for item in model_cfg:
            no_pretrained(item)
    return model_cfg


def build_model(model_cfg, device: str,
                train: bool = False) -> torch.nn.Module:
    """A model from MMAction2's registry, on ``device``, in train or eval
    mode."""
    model = MODELS.build(copy.deepcopy(model_cfg)).to(device)
    model.train(train)
    return model


def kga_model_cfg():
    """The paper's KGA-Net (ResNet-50)."""
    return load_cfg(KGA_CONFIG).model


def tsn_model_cfg():
    """MMAction2's TSN with the same ResNet-50, for two classes."""
    cfg = load_cfg(TSN_CONFIG)
    cfg.model.cls_head.num_classes = 2
    return cfg.model


def test_batch(video: torch.Tensor) -> dict:
    """What the test dataloader gives ``test_step`` for one uint8 clip
    ``[T, 3, H, W]``."""
    return dict(inputs=[video], data_samples=[ActionDataSample()])


def train_batch(videos: Sequence[torch.Tensor],
                images: Sequence[torch.Tensor]) -> dict:
    """A mixed batch: video clips, then images (``source='image'``), the
    labels alternating."""
    inputs, samples = [], []
    for i, clip in enumerate(list(videos) + list(images)):
        sample = ActionDataSample()
        sample.set_gt_label(i % 2)
        if i >= len(videos):
            sample.set_metainfo(dict(source='image'))
        inputs.append(clip)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def predict_fn(model: torch.nn.Module,
               video: torch.Tensor) -> Callable[[], object]:
    """A call of ``model.test_step`` on one clip, without gradients; it
    returns the clip's ``ActionDataSample``."""
    def run():
        with torch.no_grad():
            return model.test_step(test_batch(video))[0]
    return run
