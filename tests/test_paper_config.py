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
    head = cfg.model.cls_head
    assert head.center_source == 'image'
    assert head.loss_coherence.loss_weight == 1.0  # lambda = 1
    assert head.loss_center.type == 'CenterLoss'
    assert cfg.optim_wrapper.optimizer.lr == 0.005
    assert cfg.optim_wrapper.optimizer.momentum == 0.9
    assert cfg.train_cfg.max_iters == 8000
    warmup, steps = cfg.param_scheduler
    assert (warmup.type, warmup.end) == ('LinearLR', 1000)
    assert steps.milestones == [4000, 6000] and steps.gamma == 0.1
    loader = cfg.train_dataloader
    # one number sets the global batch: 8 clips + 8 images
    assert loader.batch_size == 16
    assert loader.batch_sampler == dict(type='MixedSourceBatchSampler',
                                        video_fraction=0.5)
    assert cfg.sync_bn == 'torch'  # BN over the global batch on W GPUs
    # eq. 4: one L_CE^I over frames and images, half each with 1:1 batches
    assert head.loss_frame.loss_weight + head.loss_image.loss_weight == 1.0
    # ResNet-50 ImageNet weights V1, as the released code loads
    assert cfg.model.backbone.pretrained.endswith('resnet50-0676ba61.pth')
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


def paper_head(cfg, seed):
    """The paper config's head, its classifiers initialised so that the
    video probabilities spread (the default init keeps them near 0.5)."""
    torch.manual_seed(seed)
    head = MODELS.build(cfg.model.cls_head)
    head.init_weights()
    with torch.no_grad():
        # zero-sum rows: the offset every sigmoid feature shares cancels
        for fc, std in ((head.fc_cls, 0.3), (head.fc_attention, 0.1)):
            fc.weight.normal_(0, std)
            fc.weight.sub_(fc.weight.mean(dim=1, keepdim=True))
    return head.eval()


@pytest.mark.parametrize('seed', [0, 1])
def test_video_probabilities_do_not_depend_on_repeating_frames(cfg, seed):
    """Every frame of a video repeated k times is the same video: with the
    paper config's head on sigmoid features its probabilities stay put
    (under ``aggregation='attention_sum'`` the logits would grow with k)."""
    head = paper_head(cfg, seed)
    feats = torch.sigmoid(torch.randn(6, 16, 2048) * 3)  # [N, T, C]
    samples = [make_sample(i % 2) for i in range(6)]

    def probabilities(h, f):
        with torch.no_grad():
            return torch.stack([s.pred_score for s in h.predict(f, samples)])

    once = probabilities(head, feats)
    assert once[:, 1].std() > 0.05  # the check is not on constant scores
    for k in range(1, 9):
        # [N, T, C] -> [N, k * T, C], each frame k times in a row
        repeated = feats.repeat_interleave(k, dim=1)
        torch.testing.assert_close(probabilities(head, repeated), once,
                                   atol=1e-5, rtol=0)
    # the paper's literal sum: the logits grow with the frame count
    head.aggregation = 'attention_sum'
    with torch.no_grad():
        logits = head(feats)['video_scores']
        logits8 = head(feats.repeat_interleave(8, dim=1))['video_scores']
    assert (logits8 - logits).abs().max() > 1.
