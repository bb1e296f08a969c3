"""No tensor of KGA-Net's training step or inference is made on the wrong
device, checked without a GPU.

The model and the frames go to PyTorch's ``meta`` device, which, like CUDA,
refuses an operation that mixes its tensors with CPU tensors of more than
zero dimensions. A class center, mask, label, Gram matrix or index created on
the CPU by a missing ``device=`` therefore fails here as it would on a GPU.
Two things cannot run on ``meta``, as they read data: a boolean-mask index
(allowed here by assuming every element is selected, which the batches
below make true), and MMAction2's top-k accuracy in ``BaseHead.loss_by_feat``
(a numpy computation on the CPU, not ours), replaced by its cross-entropy.
"""
import pytest
import torch
import torch.fx.experimental._config as fx_config
from mmaction.models.heads.base import BaseHead
from mmaction.registry import MODELS

from kga_mmaction.benchmark.builders import kga_model_cfg, train_batch
from builders import make_sample


def cross_entropy_only(self, cls_scores, data_samples):
    """``BaseHead.loss_by_feat`` without the top-k accuracy."""
    labels = torch.stack([s.gt_label for s in data_samples])
    return dict(loss_cls=self.loss_cls(
        cls_scores, labels.to(cls_scores.device).view(-1)))


@pytest.fixture
def meta_model(monkeypatch):
    monkeypatch.setattr(BaseHead, 'loss_by_feat', cross_entropy_only)
    model = MODELS.build(kga_model_cfg()).to('meta')
    assert all(p.device.type == 'meta' for p in model.parameters())
    assert all(b.device.type == 'meta' for b in model.buffers())
    with fx_config.patch(meta_nonzero_assume_all_nonzero=True):
        yield model


def meta_train_batch() -> dict:
    """Two 4-frame clips and two images of both classes, uint8 on meta."""
    batch = train_batch(
        [torch.zeros(4, 3, 32, 32, dtype=torch.uint8) for _ in range(2)],
        [torch.zeros(1, 3, 32, 32, dtype=torch.uint8) for _ in range(2)])
    batch['inputs'] = [x.to('meta') for x in batch['inputs']]
    return batch


def test_training_step_stays_on_the_model_device(meta_model):
    meta_model.train()
    data = meta_model.data_preprocessor(meta_train_batch(), True)
    losses = meta_model(**data, mode='loss')
    assert {'loss_cls', 'loss_frame', 'loss_image', 'loss_center',
            'loss_coherence'} <= set(losses)
    assert all(v.device.type == 'meta' for v in losses.values())
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    centers = meta_model.cls_head.loss_center.centers
    assert centers.grad is not None and centers.grad.device.type == 'meta'


def test_inference_stays_on_the_model_device(meta_model):
    meta_model.eval()
    frames = torch.zeros(6, 3, 32, 32, dtype=torch.uint8).to('meta')
    with torch.no_grad():
        out = meta_model.test_step(
            dict(inputs=[frames], data_samples=[make_sample(0)]))[0]
    assert out.pred_score.shape == (2, )
    assert out.frame_weights.shape == (6, )
    assert all(getattr(out, k).device.type == 'meta'
               for k in ('pred_score', 'frame_weights', 'center_distances'))


def test_a_center_left_on_the_cpu_is_caught(meta_model):
    """The check can fail: the class centers, put back on the CPU as a
    missing ``device=`` would leave them, break the step."""
    meta_model.train()
    loss = meta_model.cls_head.loss_center
    loss.centers = torch.nn.Parameter(torch.zeros(loss.centers.shape))
    data = meta_model.data_preprocessor(meta_train_batch(), True)
    with pytest.raises(RuntimeError, match='device'):
        meta_model(**data, mode='loss')
