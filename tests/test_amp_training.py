"""``tools/train.py --amp``: mmengine's AmpOptimWrapper, and a KGA-Net
training step under its autocast with the losses in float32.

AmpOptimWrapper refuses to build without an accelerator, and so does
``--amp`` (with a message). On a CPU-only machine the step test lets it
build: mmengine's autocast then runs on the CPU in
bfloat16 and torch's CUDA GradScaler disables itself, so the test covers the
wrapper, the autocast context and the float32 losses, not fp16 loss scaling
on a GPU.
"""
import importlib.util
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import AmpOptimWrapper, build_optim_wrapper
from mmengine.optim.optimizer import amp_optimizer_wrapper
from mmaction.registry import MODELS

from builders import make_sample
from runner_options import DEMO, ROOT

TRAIN = osp.join(ROOT, 'tools', 'train.py')


def load_train_tool():
    spec = importlib.util.spec_from_file_location('kga_train_tool', TRAIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def train_cfg(monkeypatch, *flags, cfg=None):
    """``cfg`` (default: the demo config) as ``tools/train.py DEMO *flags``
    merges it."""
    train = load_train_tool()
    monkeypatch.setattr(sys, 'argv', [TRAIN, DEMO, *flags])
    return train.merge_args(cfg or Config.fromfile(DEMO), train.parse_args())


def test_amp_without_a_gpu_says_so(monkeypatch):
    """Without an accelerator, ``--amp`` stops before anything is built,
    saying why and what to do, instead of mmengine's assertion deep in the
    optimizer's construction."""
    for name in ('is_cuda_available', 'is_npu_available',
                 'is_mlu_available', 'is_musa_available'):
        monkeypatch.setattr(amp_optimizer_wrapper, name, lambda: False)
    with pytest.raises(ValueError, match='needs a GPU.*Leave out --amp'):
        train_cfg(monkeypatch, '--amp')
    wrapper = train_cfg(monkeypatch).optim_wrapper
    assert wrapper.get('type', 'OptimWrapper') == 'OptimWrapper'


def test_amp_flag_selects_amp_optim_wrapper(monkeypatch):
    monkeypatch.setattr(amp_optimizer_wrapper, 'is_cuda_available',
                        lambda: True)
    plain = train_cfg(monkeypatch)
    cfg = train_cfg(monkeypatch, '--amp')
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    # everything else of the wrapper (optimizer, clipping, lr multipliers)
    # is the config's
    rest = {k: v for k, v in cfg.optim_wrapper.items()
            if k not in ('type', 'loss_scale')}
    assert rest == {k: v for k, v in plain.optim_wrapper.items()
                    if k != 'type'}
    apex = Config.fromfile(DEMO)
    apex.optim_wrapper.type = 'ApexOptimWrapper'
    with pytest.raises(ValueError, match='--amp does not support'):
        train_cfg(monkeypatch, '--amp', cfg=apex)


def mixed_batch(size=32):
    """Two 4-frame clips and two single-frame images, one of each class."""
    inputs = [torch.randint(0, 256, (4, 3, size, size), dtype=torch.uint8)
              for _ in range(2)]
    samples = [make_sample(i) for i in range(2)]
    inputs += [torch.randint(0, 256, (1, 3, size, size), dtype=torch.uint8)
               for _ in range(2)]
    samples += [make_sample(i, 'image') for i in range(2)]
    return dict(inputs=inputs, data_samples=samples)


def test_kga_training_step_under_amp(monkeypatch):
    """The backbone runs in half precision, every loss term is a finite
    float32 (with bf16 scores the head's accuracy, computed in numpy,
    failed), and the step updates the weights and the class centers."""
    if not torch.cuda.is_available():
        monkeypatch.setattr(amp_optimizer_wrapper, 'is_cuda_available',
                            lambda: True)
    cfg = train_cfg(monkeypatch, '--amp')
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).to(device)
    model.train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert isinstance(optim_wrapper, AmpOptimWrapper)

    conv_dtypes = []
    model.backbone.register_forward_hook(
        lambda module, args, out: conv_dtypes.append(
            (out[-1] if isinstance(out, (tuple, list)) else out).dtype))
    weight = next(model.backbone.parameters())
    centers = model.cls_head.loss_center.centers
    before = weight.detach().clone(), centers.detach().clone()
    log_vars = model.train_step(mixed_batch(), optim_wrapper)

    assert conv_dtypes and all(dtype in (torch.float16, torch.bfloat16)
                               for dtype in conv_dtypes), conv_dtypes
    assert all(torch.isfinite(torch.as_tensor(v)) for v in log_vars.values())
    assert not torch.equal(weight, before[0])
    assert not torch.equal(centers, before[1])

    data = model.data_preprocessor(mixed_batch(), True)
    with optim_wrapper.optim_context(model):
        losses = model(**data, mode='loss')
    assert {'loss_cls', 'loss_frame', 'loss_image', 'loss_center',
            'loss_coherence'} <= set(losses)
    for key, loss in losses.items():
        if key.startswith('loss'):
            assert loss.dtype == torch.float32, (key, loss.dtype)
        assert torch.isfinite(loss), key
