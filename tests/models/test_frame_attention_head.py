import math

import pytest
import torch
from builders import make_sample
from mmaction.registry import MODELS


def build_head(**kwargs):
    cfg = dict(type='FrameAttentionHead', num_classes=2, in_channels=2)
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


def set_identity_classifiers(head, attention_bias=None):
    """fc_cls and fc_frame become the identity; attention a constant."""
    with torch.no_grad():
        for fc in (head.fc_cls, head.fc_frame):
            fc.weight.copy_(torch.eye(2))
            fc.bias.zero_()
        if attention_bias is not None:
            head.fc_attention.weight.zero_()
            head.fc_attention.bias.fill_(attention_bias)


FEATS = torch.tensor([[[1., 2.], [3., 4.], [5., 6.]]])  # [N=1, T=3, C=2]


def test_attention_sum_aggregation_eq1():
    head = build_head(aggregation='attention_sum')
    set_identity_classifiers(head, attention_bias=math.log(3.))  # w = 0.75
    out = head(FEATS)
    torch.testing.assert_close(out['weights'], torch.full((1, 3), 0.75))
    # F_V = 0.75 * ([1,2] + [3,4] + [5,6]) = 0.75 * [9, 12] = [6.75, 9]
    torch.testing.assert_close(out['video_scores'], torch.tensor([[6.75,
                                                                   9.]]))
    torch.testing.assert_close(out['frame_scores'], FEATS)


def test_attention_is_sigmoid_of_a_linear_map():
    head = build_head()
    with torch.no_grad():
        head.fc_attention.weight.copy_(torch.tensor([[1., -1.]]))
        head.fc_attention.bias.fill_(0.5)
    # FC(F_i) = F_i0 - F_i1 + 0.5 = -0.5 for every frame of FEATS
    expected = torch.full((1, 3), 1 / (1 + math.exp(0.5)))
    torch.testing.assert_close(head(FEATS)['weights'], expected)


def test_attention_mean_aggregation_divides_by_frames():
    head = build_head(aggregation='attention_mean')
    set_identity_classifiers(head, attention_bias=math.log(3.))
    # [6.75, 9] / 3
    torch.testing.assert_close(
        head(FEATS)['video_scores'], torch.tensor([[2.25, 3.]]))


def test_frame_mean_aggregation_has_no_attention():
    head = build_head(aggregation='frame_mean')
    assert head.fc_attention is None
    set_identity_classifiers(head)
    out = head(FEATS)
    torch.testing.assert_close(out['weights'], torch.full((1, 3), 1 / 3))
    torch.testing.assert_close(out['video_scores'], torch.tensor([[3., 4.]]))


def test_attention_normalized_aggregation_is_the_weighted_mean():
    head = build_head(aggregation='attention_normalized')
    set_identity_classifiers(head)
    with torch.no_grad():
        head.fc_attention.weight.copy_(torch.tensor([[1., 0.]]))
        head.fc_attention.bias.fill_(-3.)
    # FC(F_i) = F_i0 - 3 = -2, 0, 2 -> w = sigmoid(-2), 0.5, sigmoid(2);
    # sigmoid(-2) + sigmoid(2) = 1, so sum_i w_i = 1.5 and
    # F_V = (s(-2) [1, 2] + 0.5 [3, 4] + s(2) [5, 6]) / 1.5
    s_neg, s_pos = 1 / (1 + math.exp(2.)), 1 / (1 + math.exp(-2.))
    expected = [(s_neg * 1 + 0.5 * 3 + s_pos * 5) / 1.5,
                (s_neg * 2 + 0.5 * 4 + s_pos * 6) / 1.5]
    torch.testing.assert_close(head(FEATS)['video_scores'],
                               torch.tensor([expected]))


def test_normalized_aggregation_ignores_a_common_scale_of_the_weights():
    """Scaling every w by the same factor leaves F_V as it is, so the video
    CE cannot lower itself by shrinking all weights (the collapse of
    'attention_sum' and 'attention_mean'), while 'attention_mean' follows
    the scale."""
    gen = torch.Generator().manual_seed(0)
    feats = torch.randn(2, 5, 2, generator=gen)
    mask = torch.tensor([[1., 1., 1., 1., 1.], [1., 1., 1., 0., 0.]])
    weights = torch.rand(2, 5, generator=gen) * mask
    scores = {}
    for agg in ('attention_normalized', 'attention_mean'):
        head = build_head(aggregation=agg)
        set_identity_classifiers(head)
        for scale in (1., 1e-3):
            head.frame_weights = lambda f, m, s=scale: weights * s
            scores[agg, scale] = head(feats, mask)['video_scores']
    torch.testing.assert_close(scores['attention_normalized', 1e-3],
                               scores['attention_normalized', 1.])
    torch.testing.assert_close(scores['attention_mean', 1e-3],
                               scores['attention_mean', 1.] * 1e-3)


def test_normalized_aggregation_of_zero_weights_is_finite():
    head = build_head(aggregation='attention_normalized')
    head.frame_weights = lambda f, m: torch.zeros(f.shape[:2])
    out = head(FEATS)
    assert torch.isfinite(out['video_scores']).all()


def test_centered_logits_pin_the_level_of_the_weights():
    """With center_logits a common shift of every logit (the bias) leaves
    the weights as they are; the real frames' logits average to 0, so
    padding does not move them."""
    gen = torch.Generator().manual_seed(0)
    feats = torch.randn(2, 4, 2, generator=gen)
    mask = torch.tensor([[1., 1., 1., 1.], [1., 1., 0., 0.]])
    head = build_head(aggregation='attention_normalized', center_logits=True)
    weights = head.frame_weights(feats, mask)
    with torch.no_grad():
        head.fc_attention.bias.add_(7.)
        feats_padded = feats.clone()
        feats_padded[1, 2:] = 100.  # padding
    torch.testing.assert_close(head.frame_weights(feats_padded, mask),
                               weights)
    logits = head.fc_attention(feats).squeeze(-1)
    centred = logits[1, :2] - logits[1, :2].mean()
    torch.testing.assert_close(weights[1, :2], torch.sigmoid(centred))
    assert weights[1, 2:].abs().sum() == 0
    # a frame whose logit is the video's mean weighs exactly 0.5
    one_frame = head.frame_weights(feats[:1, :1], mask[:1, :1])
    torch.testing.assert_close(one_frame, torch.full((1, 1), 0.5))


def test_padded_frames_take_no_part():
    head = build_head(aggregation='attention_mean')
    padded = torch.cat([FEATS, torch.full((1, 2, 2), 100.)], dim=1)
    mask = torch.tensor([[1., 1., 1., 0., 0.]])
    out = head(padded, mask)
    torch.testing.assert_close(out['video_scores'],
                               head(FEATS)['video_scores'])
    assert out['weights'][0, 3:].abs().sum() == 0


def test_loss_terms_by_hand():
    head = build_head(
        loss_center=dict(type='CenterLoss'),
        loss_coherence=dict(type='CoherenceLoss'))
    with torch.no_grad():
        for fc in (head.fc_cls, head.fc_frame):
            fc.weight.zero_()
            fc.bias.zero_()
        head.loss_center.centers.copy_(torch.tensor([[0., 0.], [3., 4.]]))
    image_feats = torch.tensor([[0., 0.], [0., 0.]])
    # the centers are formed from the images (center_source='image')
    losses = head.loss(
        dict(video=FEATS, image=image_feats),
        [make_sample(1),
         make_sample(0, 'image'),
         make_sample(1, 'image')])
    # zero classifiers: every logit is 0, so each CE is log 2; the frame
    # and image terms weigh 0.5 each (one L_CE^I over frames and images)
    assert losses['loss_cls'].item() == pytest.approx(math.log(2))
    for key in ('loss_frame', 'loss_image'):
        assert losses[key].item() == pytest.approx(0.5 * math.log(2))
    # center: 0.5 * mean(||0 - 0||^2, ||0 - (3,4)||^2) = 0.5 * 12.5
    assert losses['loss_center'].item() == pytest.approx(6.25)
    # coherence: eq. 3 on the attention weights and each frame's distance
    # to the malignant center (3, 4)
    weights = torch.sigmoid(head.fc_attention(FEATS)).squeeze(-1)  # [1, 3]
    own = (FEATS - torch.tensor([3., 4.])).norm(dim=-1)  # [1, 3]
    expected = head.loss_coherence(weights, own, torch.ones(1, 3))
    assert losses['loss_coherence'].item() == pytest.approx(expected.item())
    assert expected.item() > 0  # the attention does not follow the distances
    assert set(losses) == {
        'top1_acc', 'loss_cls', 'loss_frame', 'loss_image', 'loss_center',
        'loss_coherence'
    }


def test_coherence_uses_detached_centers():
    head = build_head(
        loss_center=dict(type='CenterLoss'),
        loss_coherence=dict(type='CoherenceLoss'))
    feats = torch.randn(2, 4, 2, requires_grad=True)
    losses = head.loss(
        dict(video=feats, image=torch.randn(3, 2)),
        [make_sample(0), make_sample(1)] +
        [make_sample(label, 'image') for label in (0, 1, 1)])
    losses['loss_coherence'].backward()
    assert head.loss_center.centers.grad is None
    assert feats.grad.abs().sum() > 0
    assert head.fc_attention.weight.grad.abs().sum() > 0


def test_coherence_distance_is_to_own_class_center():
    """The coherence loss measures each frame against its video's class."""
    head = build_head(
        loss_center=dict(type='CenterLoss'),
        loss_coherence=dict(type='CoherenceLoss'),
        center_source='video')
    with torch.no_grad():
        # the class-1 center sits on frame 0: d = [0, 2.83, 5.66]
        head.loss_center.centers.copy_(torch.tensor([[9., 9.], [1., 2.]]))
        head.fc_attention.weight.zero_()
        head.fc_attention.bias.zero_()  # w = 0.5 everywhere
    label1 = head.loss(FEATS, [make_sample(1)])['loss_coherence']
    # 1-w = 0.5*[1,1,1] -> G_w = 1/3 everywhere; d ~ [0, 1, 2] -> G_d =
    # [[0,0,0],[0,.2,.4],[0,.4,.8]]; ||G_w - G_d||_F = sqrt(sum of squares)
    g_d = torch.tensor([[0., 0., 0.], [0., .2, .4], [0., .4, .8]])
    expected = torch.linalg.norm(torch.full((3, 3), 1 / 3) - g_d)
    assert label1.item() == pytest.approx(expected.item(), abs=1e-5)
    label0 = head.loss(FEATS, [make_sample(0)])['loss_coherence']
    assert label0.item() != pytest.approx(label1.item(), abs=1e-3)


def test_predict_stores_frame_weights_and_distances():
    head = build_head(loss_center=dict(type='CenterLoss'))
    with torch.no_grad():
        head.loss_center.centers.copy_(torch.tensor([[1., 2.], [4., 6.]]))
    padded = torch.cat([FEATS, torch.zeros(1, 1, 2)], dim=1)
    [sample] = head.predict(padded, [make_sample(1)],
                            valid_mask=torch.tensor([[1., 1., 1., 0.]]))
    assert sample.pred_score.shape == (2, )
    assert sample.pred_score.sum().item() == pytest.approx(1.)
    assert sample.frame_weights.shape == (3, )
    assert sample.frame_scores.shape == (3, 2)
    # frame [3, 4]: distance sqrt(4 + 4) to [1, 2], sqrt(1 + 4) to [4, 6]
    torch.testing.assert_close(sample.center_distances[1],
                               torch.tensor([math.sqrt(8), math.sqrt(5)]))


def test_predict_without_centers_has_no_distances():
    head = build_head()
    [sample] = head.predict(FEATS, [make_sample(0)])
    assert 'center_distances' not in sample
    assert sample.frame_weights.shape == (3, )


@pytest.mark.parametrize('old, new', [
    ('mean', 'attention_mean'), ('sum', 'attention_sum'),
    ('normalized', 'attention_normalized'), ('avg', 'frame_mean')])
def test_former_aggregation_names_warn_and_keep_their_meaning(old, new):
    with pytest.warns(FutureWarning, match=f"'{old}'.* now named '{new}'"):
        head = build_head(aggregation=old)
    assert head.aggregation == new
    assert (head.fc_attention is None) == (new == 'frame_mean')


def test_the_former_mean_is_not_the_plain_frame_mean():
    """'mean' was attention-weighted: its warning says where the plain
    frame mean went, and it still weighs the frames."""
    with pytest.warns(FutureWarning, match="plain frame mean.*'frame_mean'"):
        head = build_head(aggregation='mean')
    set_identity_classifiers(head, attention_bias=math.log(3.))
    torch.testing.assert_close(
        head(FEATS)['video_scores'], torch.tensor([[2.25, 3.]]))


@pytest.mark.parametrize('kwargs,match', [
    (dict(aggregation='max'), 'aggregation'),
    (dict(loss_coherence=dict(type='CoherenceLoss')), 'needs loss_center'),
    (dict(center_source='both'), 'center_source'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_head(**kwargs)


def test_loss_frame_and_loss_image_configs_are_honoured():
    """Both terms are built from their configs: label smoothing and the
    weight reach them (not a hard-coded cross-entropy)."""
    smooth = dict(type='mmpretrain.LabelSmoothLoss', label_smooth_val=0.2)
    head = build_head(loss_frame=dict(smooth, loss_weight=0.3),
                      loss_image=dict(smooth, loss_weight=0.7))
    torch.manual_seed(0)
    feats = torch.randn(2, 3, 2)
    image_feats = torch.randn(4, 2)
    image_labels = torch.tensor([0, 1, 1, 0])
    losses = head.loss(
        dict(video=feats, image=image_feats),
        [make_sample(0), make_sample(1)] +
        [make_sample(int(y), 'image') for y in image_labels])
    frame_scores = head(feats)['frame_scores'].flatten(0, 1)  # [6, 2]
    frame_labels = torch.tensor([0, 0, 0, 1, 1, 1])
    expected_frame = 0.3 * torch.nn.functional.cross_entropy(
        frame_scores, frame_labels, label_smoothing=0.2)
    expected_image = 0.7 * torch.nn.functional.cross_entropy(
        head.classify_frames(image_feats), image_labels,
        label_smoothing=0.2)
    torch.testing.assert_close(losses['loss_frame'], expected_frame)
    torch.testing.assert_close(losses['loss_image'], expected_image)
    # smoothing changes the value: plain CE would differ
    plain = 0.3 * torch.nn.functional.cross_entropy(frame_scores,
                                                    frame_labels)
    assert abs(losses['loss_frame'].item() - plain.item()) > 1e-4


def test_head_computes_in_float32_under_mixed_precision():
    """Under autocast (``--amp``) or with fp16 inference, half-precision
    features reach the head: its scores, weights and center distances and
    every loss term (the Gram matrices of the coherence loss included) are
    float32 and match the float32 result."""
    head = build_head(in_channels=8, loss_center=dict(type='CenterLoss'),
                      loss_coherence=dict(type='CoherenceLoss'))
    torch.manual_seed(0)
    feats = dict(video=torch.rand(2, 5, 8) * 3, image=torch.rand(2, 8) * 3)
    half = {key: value.bfloat16() for key, value in feats.items()}

    def samples():
        return [make_sample(0), make_sample(1), make_sample(0, 'image'),
                make_sample(1, 'image')]

    reference = head.loss(feats, samples())
    reference_pred = head.predict(feats['video'], samples()[:2])
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = head.loss(half, samples())
        preds = head.predict(half['video'], samples()[:2])
        outs = head(half)
    assert {'loss_center', 'loss_coherence'} <= set(losses)
    for key, value in losses.items():
        if key.startswith('loss'):
            assert value.dtype == torch.float32, key
        torch.testing.assert_close(value, reference[key], rtol=2e-2,
                                   atol=2e-2)
    assert all(value.dtype == torch.float32 for value in outs.values())
    for pred, ref in zip(preds, reference_pred):
        for key in ('pred_score', 'frame_weights', 'center_distances'):
            assert pred.get(key).dtype == torch.float32, key
            torch.testing.assert_close(pred.get(key), ref.get(key),
                                       rtol=2e-2, atol=2e-2)


def test_predict_keeps_the_video_logits():
    head = build_head()
    set_identity_classifiers(head, attention_bias=math.log(3.))
    [sample] = head.predict(FEATS, [make_sample(1)])
    torch.testing.assert_close(sample.pred_logits,
                               head(FEATS)['video_scores'][0])
    torch.testing.assert_close(sample.pred_score,
                               sample.pred_logits.softmax(-1))


def test_predict_keeps_each_frames_video_logits():
    head = build_head(aggregation='frame_mean')
    set_identity_classifiers(head)
    padded = torch.cat([FEATS, torch.zeros(1, 1, 2)], dim=1)
    [sample] = head.predict(padded, [make_sample(1)],
                            valid_mask=torch.tensor([[1., 1., 1., 0.]]))
    # fc_cls is the identity: the logits of each real frame are its feature
    torch.testing.assert_close(sample.frame_video_logits, FEATS[0])
    torch.testing.assert_close(sample.pred_logits,
                               sample.frame_video_logits.mean(0))


# --- Feature maps from MMAction2's Recognizer2D: [N * num_segs, C, h, w] ---


def test_feature_maps_are_averaged_spatially_per_segment():
    """[N * num_segs, C, h, w] with num_segs gives what the pooled
    [N, num_segs, C] frame features give."""
    head = build_head(loss_center=dict(type='CenterLoss'))
    maps = torch.randn(2 * 3, 2, 4, 5)  # N=2 videos, 3 segments, C=2
    pooled = maps.mean(dim=(2, 3)).view(2, 3, 2)
    from_maps = head(maps, num_segs=3)
    from_pooled = head(pooled)
    assert from_maps['weights'].shape == (2, 3)
    for key in ('video_scores', 'frame_scores', 'weights'):
        torch.testing.assert_close(from_maps[key], from_pooled[key])
    samples = [make_sample(0), make_sample(1)]
    torch.testing.assert_close(
        head.predict(maps, samples, num_segs=3)[1].center_distances,
        head.predict(pooled, samples)[1].center_distances)


def test_frame_mean_aggregation_on_feature_maps_is_tsn():
    """Without attention the head computes TSNHead's average consensus: the
    same classifier gives the same scores on the same backbone maps."""
    head = build_head(aggregation='frame_mean', in_channels=8)
    tsn = MODELS.build(
        dict(type='TSNHead', num_classes=2, in_channels=8, dropout_ratio=0.))
    with torch.no_grad():
        tsn.fc_cls.weight.copy_(head.fc_cls.weight)
        tsn.fc_cls.bias.copy_(head.fc_cls.bias)
    maps = torch.randn(2 * 4, 8, 3, 3)
    torch.testing.assert_close(
        head(maps, num_segs=4)['video_scores'], tsn(maps, num_segs=4))


def test_loss_on_feature_maps_is_video_and_frame_ce():
    head = build_head()
    with torch.no_grad():
        for fc in (head.fc_cls, head.fc_frame):
            fc.weight.zero_()
            fc.bias.zero_()
    losses = head.loss(torch.randn(2 * 3, 2, 2, 2),
                       [make_sample(0), make_sample(1)], num_segs=3,
                       loss_aux=dict())  # what Recognizer2D passes
    assert set(losses) == {'top1_acc', 'loss_cls', 'loss_frame'}
    assert losses['loss_cls'].item() == pytest.approx(math.log(2))
    assert losses['loss_frame'].item() == pytest.approx(0.5 * math.log(2))


def test_image_centers_without_images_name_the_fix():
    head = build_head(loss_center=dict(type='CenterLoss'))
    with pytest.raises(ValueError,
                       match="needs images.*Recognizer2D.*center_source='vi"):
        head.loss(torch.randn(3, 2, 2, 2), [make_sample(1)], num_segs=3)


def test_video_centers_from_feature_maps():
    """With center_source='video' the centers are formed from the segments,
    also under Recognizer2D: L_C = 1/2 mean_i ||F_i - C^{y_i}||^2."""
    head = build_head(loss_center=dict(type='CenterLoss'),
                      center_source='video')
    with torch.no_grad():
        head.loss_center.centers.copy_(torch.tensor([[0., 0.], [1., 1.]]))
    maps = torch.randn(2 * 3, 2, 2, 2)
    losses = head.loss(maps, [make_sample(0), make_sample(1)], num_segs=3)
    segments = maps.mean(dim=(2, 3))  # [6, C]
    centers = head.loss_center.centers[torch.tensor([0] * 3 + [1] * 3)]
    expected = 0.5 * ((segments - centers)**2).sum(1).mean()
    torch.testing.assert_close(losses['loss_center'], expected)


@pytest.mark.parametrize('shape,num_segs', [
    ((6, 2), 3),  # pooled [N * num_segs, C]
    ((2, 2, 3, 4, 4), 3),  # 5-D, e.g. fcn_test maps
    ((6, 2, 4, 4), None),  # maps without num_segs
    ((2, 3, 2), 3),  # [N, T, C] with num_segs
    ((5, 2, 4, 4), 3),  # num_segs does not divide the batch
])
@pytest.mark.parametrize('method', ['forward', 'loss', 'predict'])
def test_other_shapes_are_refused_naming_the_shape(shape, num_segs, method):
    head = build_head()
    args = (torch.randn(shape), ) if method == 'forward' else (
        torch.randn(shape), [make_sample(0), make_sample(1)])
    with pytest.raises(ValueError) as error:
        getattr(head, method)(*args, num_segs=num_segs)
    message = str(error.value)
    assert str(shape) in message and f'num_segs={num_segs}' in message
    assert '[N, T, C]' in message and '[N * num_segs, C, h, w]' in message


def test_a_tuple_of_feature_maps_is_refused():
    head = build_head()
    with pytest.raises(ValueError, match=r'tuple.*\(3, 2, 4, 4\)'):
        head((torch.randn(3, 2, 4, 4), torch.randn(3, 2, 2, 2)), num_segs=3)


def test_wrong_in_channels_is_named():
    head = build_head()  # in_channels=2
    with pytest.raises(ValueError,
                       match=r'in_channels=2\) got 512-channel features'):
        head(torch.randn(6, 512, 1, 1), num_segs=3)


# --- MMAction2's stock Recognizer2D with the head swapped in ---


def build_recognizer2d(**head_kwargs):
    model = MODELS.build(
        dict(
            type='Recognizer2D',
            backbone=dict(type='ResNet', depth=18, pretrained=None),
            cls_head=dict(type='FrameAttentionHead', num_classes=2,
                          in_channels=512, **head_kwargs),
            data_preprocessor=dict(
                type='ActionDataPreprocessor',
                mean=[128.] * 3,
                std=[64.] * 3,
                format_shape='NCHW')))
    model.init_weights()
    return model


def video_batch(model, labels, num_segs=3, size=64):
    """Videos of ``num_segs`` frames; class 1 bright, class 0 dark."""
    inputs = [
        torch.rand(num_segs, 3, size, size) * 100 + 140 * label
        for label in labels
    ]
    return model.data_preprocessor(
        dict(inputs=inputs,
             data_samples=[make_sample(label) for label in labels]), True)


def test_recognizer2d_loss_on_segments():
    model = build_recognizer2d()
    data = video_batch(model, [0, 1, 1, 0])
    assert data['inputs'].shape == (4, 3, 3, 64, 64)  # [N, num_segs, ...]
    losses = model(**data, mode='loss')
    loss_keys = {key for key in losses if key.startswith('loss')}
    assert loss_keys == {'loss_cls', 'loss_frame'}
    assert all(torch.isfinite(losses[key]) for key in loss_keys)
    sum(losses[key] for key in loss_keys).backward()
    assert model.backbone.conv1.conv.weight.grad.abs().sum() > 0
    assert model.cls_head.fc_attention.weight.grad.abs().sum() > 0


def test_recognizer2d_trains_on_a_separable_toy_set():
    model = build_recognizer2d()
    data = video_batch(model, [0, 1, 0, 1])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    totals = []
    # the loss falls within ~6 steps; the rest lets BatchNorm's running
    # statistics (momentum 0.1) catch up for the eval-mode prediction
    for _ in range(30):
        losses = model(**data, mode='loss')
        total = losses['loss_cls'] + losses['loss_frame']
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        totals.append(total.item())
    assert totals[-1] < 0.5 * totals[0]
    model.eval()
    with torch.no_grad():
        samples = model(**video_batch(model, [0, 1, 1]), mode='predict')
    assert [int(s.pred_label) for s in samples] == [0, 1, 1]


@pytest.mark.parametrize('num_views', [3, 10])
def test_recognizer2d_predicts_with_frame_weights(num_views):
    """At test time every clip and crop of a video is a segment."""
    model = build_recognizer2d()
    model.eval()
    with torch.no_grad():
        samples = model(**video_batch(model, [1, 0], num_segs=num_views),
                        mode='predict')
    for sample in samples:
        assert sample.pred_score.shape == (2, )
        assert sample.pred_score.sum().item() == pytest.approx(1.)
        assert sample.frame_weights.shape == (num_views, )
        assert sample.frame_scores.shape == (num_views, 2)
        assert ((sample.frame_weights > 0) & (sample.frame_weights < 1)).all()
