"""The paper config (ResNet-50, eq. 4 losses) builds and runs on CPU."""
import os.path as osp

import pytest
import torch
from builders import make_sample
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PAPER = osp.join(ROOT, 'configs', 'kga_net',
                 'kga-net_r50-in1k-pre_1xb16-1x1x16-8k_busv-busi.py')


@pytest.fixture(scope='module')
def cfg():
    return Config.fromfile(PAPER)


def test_config_says_what_the_paper_says(cfg):
    assert cfg.model.type == 'KGARecognizer'
    assert cfg.model.backbone.depth == 50
    assert cfg.model.max_frames == 128
    assert cfg.model.center_source == 'image'
    head = cfg.model.cls_head
    assert head.loss_coherence.loss_weight == 1.0  # lambda = 1
    assert head.loss_center.type == 'CenterLoss'
    assert cfg.optim_wrapper.optimizer.lr == 0.005
    assert cfg.optim_wrapper.optimizer.momentum == 0.9
    assert cfg.train_cfg.max_iters == 8000
    warmup, steps = cfg.param_scheduler
    assert (warmup.type, warmup.end) == ('LinearLR', 1000)
    assert steps.milestones == [4000, 6000] and steps.gamma == 0.1
    loader = cfg.train_dataloader
    assert loader.batch_size == loader.sampler.batch_size == 16
    assert loader.sampler.video_fraction == 0.5
    assert cfg.test_pipeline[0] == dict(type='SampleUpToFrames',
                                        max_frames=128)


@pytest.mark.slow
def test_one_training_step_and_a_128_frame_inference_at_224(cfg):
    model_cfg = cfg.model.copy()
    model_cfg.backbone.pretrained = None  # no internet here
    model = MODELS.build(model_cfg)
    model.init_weights()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    # one 16-frame clip and one image: the smallest mixed batch
    inputs = [torch.randint(0, 256, (16, 3, 224, 224), dtype=torch.uint8),
              torch.randint(0, 256, (1, 3, 224, 224), dtype=torch.uint8)]
    samples = [make_sample(1), make_sample(0, 'image')]
    before = model.cls_head.fc_attention.weight.detach().clone()
    log_vars = model.train_step(dict(inputs=inputs, data_samples=samples),
                                optim_wrapper)
    for key in ('loss_cls', 'loss_frame', 'loss_image', 'loss_center',
                'loss_coherence'):
        assert torch.isfinite(log_vars[key]), key
    assert not torch.equal(before, model.cls_head.fc_attention.weight)

    model.eval()
    video = torch.randint(0, 256, (128, 3, 224, 224), dtype=torch.uint8)
    [pred] = model.test_step(
        dict(inputs=[video], data_samples=[make_sample(1)]))
    assert pred.frame_weights.shape == (128, )
    assert pred.center_distances.shape == (128, 2)
    assert pred.pred_score.sum().item() == pytest.approx(1., abs=1e-5)
