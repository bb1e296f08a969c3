import pytest
import torch
from builders import make_sample
from mmaction.registry import MODELS


def build_model(center_source='image', **kwargs):
    cfg = dict(
        type='KGARecognizer',
        backbone=dict(type='ResNet', depth=18, pretrained=None),
        cls_head=dict(
            type='FrameAttentionHead',
            num_classes=2,
            in_channels=512,
            loss_center=dict(type='CenterLoss'),
            loss_coherence=dict(type='CoherenceLoss'),
            center_source=center_source),
        data_preprocessor=dict(
            type='MixedSourceDataPreprocessor',
            mean=[128.] * 3,
            std=[64.] * 3))
    cfg.update(kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def mixed_batch(model, num_frames=(4, 4), num_images=2, size=32):
    inputs = [torch.rand(t, 3, size, size) * 255 for t in num_frames]
    samples = [make_sample(i % 2) for i in range(len(num_frames))]
    inputs += [torch.rand(1, 3, size, size) * 255 for _ in range(num_images)]
    samples += [make_sample(i % 2, 'image') for i in range(num_images)]
    return model.data_preprocessor(
        dict(inputs=inputs, data_samples=samples), True)


def test_loss_has_every_term_of_eq4():
    model = build_model()
    losses = model(**mixed_batch(model), mode='loss')
    assert {'loss_cls', 'loss_frame', 'loss_image', 'loss_center',
            'loss_coherence'} <= set(losses)
    total = sum(v for k, v in losses.items() if k.startswith('loss_'))
    total.backward()
    assert model.backbone.conv1.conv.weight.grad.abs().sum() > 0
    assert model.cls_head.loss_center.centers.grad.abs().sum() > 0


@pytest.mark.parametrize('center_source,fed,unfed', [('image', 'image',
                                                      'video'),
                                                     ('video', 'video',
                                                      'image')])
def test_center_loss_source(center_source, fed, unfed):
    """The head's center_source decides: the centers are formed from
    images, or from video frames."""
    model = build_model(center_source=center_source)
    model.eval()  # BatchNorm on running stats: samples do not interact
    data = mixed_batch(model)
    inputs = {k: v.clone().requires_grad_() for k, v in data['inputs'].items()}
    losses = model.loss(inputs, data['data_samples'])
    losses['loss_center'].backward()
    assert inputs[fed].grad.abs().sum() > 0
    assert inputs[unfed].grad.abs().sum() == 0


def test_image_guidance_needs_images():
    model = build_model()
    data = mixed_batch(model, num_images=0)
    with pytest.raises(ValueError, match='needs images'):
        model(**data, mode='loss')
    losses = build_model(center_source='video')(**data, mode='loss')
    assert 'loss_image' not in losses and 'loss_center' in losses


@pytest.mark.parametrize('center_source', ['image', 'video'])
def test_video_only_training_without_center_loss(center_source):
    """Without a center loss no centers are formed, so a video-only batch
    trains whatever center_source says."""
    model = build_model(
        cls_head=dict(type='FrameAttentionHead', num_classes=2,
                      in_channels=512, center_source=center_source))
    data = mixed_batch(model, num_images=0)
    assert data['inputs']['image'] is None
    losses = model(**data, mode='loss')
    assert {k for k in losses if k.startswith('loss')} == {
        'loss_cls', 'loss_frame'
    }
    before = model.cls_head.fc_cls.weight.detach().clone()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    (losses['loss_cls'] + losses['loss_frame']).backward()
    optimizer.step()
    assert not torch.allclose(model.cls_head.fc_cls.weight, before)


def test_missing_images_error_names_the_fix():
    model = build_model(cls_head=dict(
        type='FrameAttentionHead', num_classes=2, in_channels=512,
        loss_center=dict(type='CenterLoss')))
    with pytest.raises(ValueError) as error:
        model(**mixed_batch(model, num_images=0), mode='loss')
    message = str(error.value)
    assert 'center loss' in message and "center_source='image'" in message
    assert 'MixedVideoImageDataset' in message
    assert "center_source='video'" in message


def test_center_source_is_moot_without_center_loss():
    """Same weights, same mixed batch: without a center loss the losses do
    not depend on center_source."""
    head = dict(type='FrameAttentionHead', num_classes=2, in_channels=512)
    by_image = build_model(cls_head=dict(head, center_source='image'))
    by_video = build_model(cls_head=dict(head, center_source='video'))
    by_video.load_state_dict(by_image.state_dict())
    by_image.eval()
    by_video.eval()
    data = mixed_batch(by_image)
    with torch.no_grad():
        losses = by_image(**data, mode='loss')
        other = by_video(**data, mode='loss')
    assert set(losses) == set(other) and 'loss_image' in losses
    for key in losses:
        torch.testing.assert_close(losses[key], other[key])


def test_head_gets_features_all_samples_and_the_mask(monkeypatch):
    """The recognizer embeds; the head gets, as MMAction2 heads do, the
    features, every data sample (videos, then images) and the valid mask
    made from the clips' lengths."""
    model = build_model()
    data = mixed_batch(model, num_frames=(5, 3), num_images=2)
    calls = []
    monkeypatch.setattr(
        model.cls_head, 'loss',
        lambda feats, samples, **kwargs: calls.append(
            (feats, samples, kwargs)) or {})
    model(**data, mode='loss')
    [(feats, samples, kwargs)] = calls
    assert feats['video'].shape == (2, 5, 512)
    assert feats['image'].shape == (2, 512)
    assert samples == data['data_samples']
    assert [s.metainfo['source'] for s in samples] == ['video'] * 2 + [
        'image'
    ] * 2
    assert set(kwargs) == {'valid_mask'}
    assert kwargs['valid_mask'].tolist() == [[1] * 5, [1, 1, 1, 0, 0]]


def test_predict_refuses_images():
    model = build_model()
    model.eval()
    with torch.no_grad(), pytest.raises(ValueError,
                                        match='predicts videos only'):
        model(**mixed_batch(model), mode='predict')


def test_images_are_single_frames_in_one_backbone_pass():
    model = build_model()
    calls = []
    model.backbone.register_forward_hook(
        lambda module, args, out: calls.append(args[0].shape[0]))
    model(**mixed_batch(model, num_frames=(4, 4), num_images=3), mode='loss')
    assert calls == [4 + 4 + 3]


def test_padded_frames_are_masked():
    model = build_model()
    model.eval()
    data = mixed_batch(model, num_frames=(5, 3), num_images=0)
    assert data['inputs']['video'].shape[1] == 5
    assert [s.num_frames for s in data['data_samples']] == [5, 3]
    with torch.no_grad():
        short = model(**data, mode='predict')[1]
        alone = model.data_preprocessor(
            dict(inputs=[data['inputs']['video'][1, :3] * 64 + 128],
                 data_samples=[make_sample(1)]))
        reference = model(**alone, mode='predict')[0]
    assert short.frame_weights.shape == (3, )
    torch.testing.assert_close(short.pred_score, reference.pred_score)


@pytest.mark.parametrize('num_frames', [1, 7])
def test_predict_any_length_up_to_max(num_frames):
    model = build_model(max_frames=7)
    model.eval()
    data = model.data_preprocessor(
        dict(inputs=[torch.rand(num_frames, 3, 32, 32) * 255],
             data_samples=[make_sample(0)]))
    with torch.no_grad():
        [sample] = model(**data, mode='predict')
    assert sample.frame_weights.shape == (num_frames, )
    assert sample.center_distances.shape == (num_frames, 2)
    assert sample.pred_score.sum().item() == pytest.approx(1.)


def test_predict_rejects_too_many_frames():
    model = build_model(max_frames=4)
    data = model.data_preprocessor(
        dict(inputs=[torch.rand(5, 3, 32, 32)], data_samples=[make_sample(0)]))
    with pytest.raises(ValueError, match='max_frames=4'):
        model(**data, mode='predict')


def test_sigmoid_feature_activation():
    model = build_model(feature_activation='sigmoid')
    feats = model.embed(torch.randn(3, 3, 32, 32))
    assert feats.shape == (3, 512)
    assert feats.min() > 0 and feats.max() < 1
    plain = build_model().embed(torch.randn(3, 3, 32, 32))
    assert plain.min() >= 0 and plain.max() > 1  # ReLU features, unbounded


def test_mixed_frame_shapes_are_refused():
    model = build_model()
    data = model.data_preprocessor(
        dict(inputs=[torch.rand(2, 3, 32, 32), torch.rand(1, 3, 48, 48)],
             data_samples=[make_sample(0), make_sample(1, 'image')]))
    with pytest.raises(ValueError, match='differ in shape'):
        model(**data, mode='loss')


def test_tensor_mode_returns_head_outputs():
    model = build_model()
    data = mixed_batch(model, num_images=0)
    out = model(data['inputs'], mode='tensor')
    assert out['video_scores'].shape == (2, 2)
    assert out['weights'].shape == (2, 4)


@pytest.mark.parametrize('kwargs,match', [
    (dict(feature_activation='tanh'), 'feature_activation'),
    (dict(center_source='both'), 'center_source'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_model(**kwargs)
