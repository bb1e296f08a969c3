import copy
import json
import types
import uuid

import pytest
import torch
from builders import make_sample
from mmaction.registry import HOOKS, MODELS
from mmengine.logging import MessageHub

from kga_mmaction.engine import AttentionMonitorHook
from kga_mmaction.engine.attention_monitor_hook import (JSONL_NAME,
                                                     level_gradient)

INTERVAL = 20
MONITORED = INTERVAL - 1  # runner.iter of the first monitored iteration


_BUILT = {}


@pytest.fixture(autouse=True, scope='module')
def _one_thread():
    """Tiny convolutions run fastest on one thread (on a busy 2-core CPU
    two threads made them 10 times slower)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def build_model(aggregation='attention_mean', dropout_ratio=0.):
    """A tiny KGA-Net (ResNet-18, sigmoid features), built once per
    configuration and copied: every test gets fresh weights to change."""
    key = (aggregation, dropout_ratio)
    if key not in _BUILT:
        _BUILT[key] = _build(aggregation, dropout_ratio)
    return copy.deepcopy(_BUILT[key])


def _build(aggregation, dropout_ratio):
    model = MODELS.build(dict(
        type='KGARecognizer',
        backbone=dict(type='ResNet', depth=18, pretrained=None),
        cls_head=dict(
            type='FrameAttentionHead', num_classes=2, in_channels=512,
            aggregation=aggregation, dropout_ratio=dropout_ratio,
            loss_center=dict(type='CenterLoss'),
            loss_coherence=dict(type='CoherenceLoss')),
        feature_activation='sigmoid',
        data_preprocessor=dict(type='MixedSourceDataPreprocessor',
                               mean=[128.] * 3, std=[64.] * 3)))
    model.init_weights()
    return model


def raw_batch(num_frames=(4, 3), num_images=2, size=32):
    """A batch as the dataloader yields it; the second video is padded."""
    inputs = [torch.rand(t, 3, size, size) * 255 for t in num_frames]
    inputs += [torch.rand(1, 3, size, size) * 255 for _ in range(num_images)]
    samples = [make_sample(i % 2) for i in range(len(num_frames))]
    samples += [make_sample(i % 2, 'image') for i in range(num_images)]
    return dict(inputs=inputs, data_samples=samples)


def fake_runner(model, log_dir, iteration=MONITORED):
    warnings = []
    return types.SimpleNamespace(
        model=model, iter=iteration, log_dir=str(log_dir),
        message_hub=MessageHub.get_instance(f'monitor-{uuid.uuid4().hex}'),
        logger=types.SimpleNamespace(warning=warnings.append,
                                     info=lambda msg: None),
        warnings=warnings)


def logged(runner):
    return {key[len('train/'):]: buf.current()
            for key, buf in runner.message_hub.log_scalars.items()}


def monitor(model, batch, tmp_path, **kwargs):
    runner = fake_runner(model, tmp_path)
    AttentionMonitorHook(interval=INTERVAL, **kwargs).after_train_iter(
        runner, 0, data_batch=batch)
    return logged(runner)


def direct_logits(model, batch):
    """Attention logits of the real frames, computed on a copy of the
    model without the head's helpers."""
    model = copy.deepcopy(model)
    data = model.data_preprocessor(batch, training=True)
    feats, kwargs = model.extract_feat(
        data['inputs'], data_samples=data['data_samples'])
    with torch.no_grad():
        # [N, T, C] -> [N, T]
        logits = model.cls_head.fc_attention(feats['video'])[..., 0]
    return logits[kwargs['valid_mask'].bool()]


def test_registered_and_bad_arguments():
    assert HOOKS.get('AttentionMonitorHook') is AttentionMonitorHook
    with pytest.raises(ValueError, match='interval must be >= 1, got 0'):
        AttentionMonitorHook(interval=0)
    with pytest.raises(ValueError, match='eps must lie in'):
        AttentionMonitorHook(eps=0.5)
    hook = AttentionMonitorHook(backbone_stage='layer9')
    with pytest.raises(ValueError, match="'layer9' is not a submodule"):
        hook.stage_parameters(build_model().backbone)


def test_leaves_weights_buffers_grads_and_rng_untouched(tmp_path):
    model = build_model(dropout_ratio=0.5)  # dropout draws random numbers
    batch = raw_batch()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    torch.manual_seed(1)
    values = monitor(model, batch, tmp_path)
    after_hook = torch.rand(3)
    assert 'attn/grad_loss_cls' in values  # it did run
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert all(p.grad is None for p in model.parameters())
    assert model.training and model.backbone.layer4.training
    torch.manual_seed(1)
    assert torch.equal(after_hook, torch.rand(3))
    # the check above can fail: a plain training forward moves BatchNorm
    model(**model.data_preprocessor(batch, True), mode='loss')
    assert not torch.equal(model.backbone.conv1.bn.running_mean,
                           before['backbone.conv1.bn.running_mean'])


def test_gradient_routes(tmp_path):
    values = monitor(build_model(), raw_batch(), tmp_path)
    assert values['attn/grad_loss_cls'] > 0
    assert values['attn/grad_loss_coherence'] > 0
    # the center and image losses never pass through the attention
    assert values['attn/grad_loss_center'] == 0
    assert values['attn/grad_loss_image'] == 0
    assert values['backbone/grad_loss_center'] > 0
    assert values['backbone/grad_loss_frame'] > 0
    assert values['attn/level_grad_loss_center'] == 0
    assert values['attn/level_grad_loss_cls'] != 0
    assert not any('acc' in key for key in values)


def test_level_gradient_is_the_signed_bias_gradient():
    fc = torch.nn.Linear(3, 1)
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    mean_weight = torch.sigmoid(fc(x)).mean()
    # d mean(sigmoid(z)) / d b = mean(w (1 - w)) > 0: a step on this term
    # lowers every logit
    w = torch.sigmoid(fc(x)).detach()
    expected = float((w * (1 - w)).mean())
    assert level_gradient(mean_weight, fc) == pytest.approx(expected)
    assert level_gradient(-mean_weight, fc) == pytest.approx(-expected)
    assert level_gradient(x.sum() * 0 + torch.ones(()), fc) == 0.


def test_logit_statistics_match_a_direct_computation(tmp_path):
    model, batch = build_model(), raw_batch()
    fc = model.cls_head.fc_attention
    torch.nn.init.normal_(fc.weight, std=1.)
    ranked = direct_logits(model, batch).sort().values
    assert ranked.numel() == 4 + 3  # padded frame left out
    # move the logits so that w > 1 - eps starts between the 4th and the
    # 5th of the 7 frames: 3 of 7 are saturated
    eps = 1e-3
    edge = torch.logit(torch.tensor(1 - eps, dtype=torch.float64))
    assert ranked[4] - ranked[3] > 0.1  # far from rounding
    with torch.no_grad():
        fc.bias += float(edge) - float(ranked[3] + ranked[4]) / 2
    logits = direct_logits(model, batch)
    values = monitor(model, batch, tmp_path, eps=eps)
    assert values['attn/saturated'] == pytest.approx(3 / 7)
    assert values['attn/logit_mean'] == pytest.approx(
        float(logits.mean()), rel=1e-5)
    assert values['attn/logit_std'] == pytest.approx(
        float(logits.std(unbiased=False)), rel=1e-5)
    assert values['attn/weight_mean'] == pytest.approx(
        float(torch.sigmoid(logits).mean()), rel=1e-5)


@pytest.mark.parametrize('bias,saturated,weight_mean', [(20., 1., 1.),
                                                        (0., 0., .5)])
def test_saturated_share(tmp_path, bias, saturated, weight_mean):
    model = build_model()
    fc = model.cls_head.fc_attention
    torch.nn.init.zeros_(fc.weight)
    torch.nn.init.constant_(fc.bias, bias)
    values = monitor(model, raw_batch(), tmp_path)
    assert values['attn/saturated'] == saturated
    assert values['attn/weight_mean'] == pytest.approx(weight_mean)
    assert values['attn/logit_mean'] == pytest.approx(bias)
    assert values['attn/logit_std'] == 0


def test_records_the_first_iteration_and_every_interval_only(tmp_path):
    model, batch = build_model(), raw_batch()
    hook = AttentionMonitorHook(interval=INTERVAL)
    runner = fake_runner(model, tmp_path, iteration=0)
    hook.after_train_iter(runner, 0, data_batch=batch)  # the starting point
    for iteration in range(1, MONITORED):
        runner.iter = iteration
        hook.after_train_iter(runner, iteration, data_batch=batch)
    lines = (tmp_path / JSONL_NAME).read_text().splitlines()
    assert [json.loads(line)['iter'] for line in lines] == [1]
    for iteration in range(MONITORED, 2 * INTERVAL + 1):
        runner.iter = iteration
        hook.after_train_iter(runner, iteration, data_batch=batch)
    lines = (tmp_path / JSONL_NAME).read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r['iter'] for r in records] == [1, INTERVAL, 2 * INTERVAL]
    assert set(records[-1]) - {'iter'} == set(logged(runner))
    assert records[-1]['attn/logit_mean'] == logged(
        runner)['attn/logit_mean']
    assert len(runner.message_hub.log_scalars[
        'train/attn/logit_mean'].data[0]) == 3


def test_head_without_attention_logs_backbone_only(tmp_path):
    model = build_model(aggregation='frame_mean')
    hook = AttentionMonitorHook(interval=1)
    runner = fake_runner(model, tmp_path)
    for iteration in range(2):
        runner.iter = iteration
        hook.after_train_iter(runner, iteration, data_batch=raw_batch())
    values = logged(runner)
    assert values and all(k.startswith('backbone/grad_') for k in values)
    assert values['backbone/grad_loss_center'] > 0
    assert len(runner.warnings) == 1
    assert 'no fc_attention' in runner.warnings[0]
