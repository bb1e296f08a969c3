"""Fast inference (test_cfg: max_testing_views frames per backbone call,
fp16 autocast, channels_last, compile) gives the
fp32 predictions: within fp32 rounding with chunks (any CPU kernel), within
1e-4 with channels_last, within 0.01 probability and 0.02 AUC with bf16
autocast."""
import copy

import numpy as np
import pytest
import torch
from mmaction.registry import DATASETS, MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from builders import pairwise_auc

from kga_mmaction.models.recognizers import fast_inference
from kga_mmaction.models.recognizers.fast_inference import (
    FastInferenceCfg, check_fp16, embed_in_chunks, inference_context)
from kga_mmaction.models.recognizers.inference_flags import (
    FAST_FRAME_CHUNK_SIZES, inference_test_cfg, set_inference_test_cfg)
from kga_mmaction.synthetic import make_synthetic_busv
from kga_mmaction.utils import device
from kga_mmaction.utils.device import best_autocast_dtype, cpu_supports_bf16

SIZE = 32
MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
BF16_PROB_TOL = 0.01
BF16_AUC_TOL = 0.02


def build_model(test_cfg=None, seed=0):
    """The paper's KGA-Net (sigmoid features, centers, coherence) on a
    ResNet-18 with random weights, BatchNorm statistics calibrated on random
    frames, so that eval mode is not the identity-BN net of a fresh init."""
    torch.manual_seed(seed)
    model = MODELS.build(
        dict(
            type='KGARecognizer',
            backbone=dict(type='ResNet', depth=18, pretrained=None,
                          norm_eval=False),
            cls_head=dict(
                type='FrameAttentionHead', num_classes=2, in_channels=512,
                loss_center=dict(type='CenterLoss'),
                loss_coherence=dict(type='CoherenceLoss')),
            feature_activation='sigmoid',
            test_cfg=test_cfg,
            data_preprocessor=dict(
                type='MixedSourceDataPreprocessor', mean=MEAN, std=STD,
                format_shape='NCHW')))
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model.embed((torch.rand(16, 3, SIZE, SIZE) - 0.5) * 4)
    return model.eval()


@pytest.fixture(scope='module')
def model():
    return build_model()


def clone_with(model, **test_cfg):
    """A copy of ``model`` with another ``test_cfg``."""
    clone = copy.deepcopy(model)
    clone.test_cfg = test_cfg
    return clone.eval()


def video_batch(num_frames, seed=0):
    """One uint8 video as ``test_step`` gets it from the dataloader."""
    rng = np.random.default_rng(seed)
    video = torch.from_numpy(
        rng.integers(0, 256, (num_frames, 3, SIZE, SIZE), dtype=np.uint8))
    return dict(inputs=[video], data_samples=[ActionDataSample()])


def predict(model, data):
    with torch.no_grad():
        return model.test_step(data)[0]


@pytest.fixture(scope='module')
def synthetic_videos(tmp_path_factory):
    """Packed test inputs of 10 synthetic BUSV videos (5 per class)."""
    root = str(tmp_path_factory.mktemp('fast_inference') / 'busv')
    make_synthetic_busv(root, num_benign=5, num_malignant=5, frames=(6, 10),
                        size=(48, 48), progress=False)
    pipeline = [
        dict(type='SampleUpToFrames', max_frames=128),
        dict(type='RawFrameDecode'),
        dict(type='Resize', scale=(SIZE, SIZE), keep_ratio=False),
        dict(type='FormatShape', input_format='NCHW'),
        dict(type='PackActionInputs')
    ]
    items = []
    for split in ('train', 'val'):
        dataset = DATASETS.build(
            dict(type='BUSVDataset', data_root=root, split=split,
                 pipeline=pipeline, test_mode=True))
        items += [dataset[i] for i in range(len(dataset))]
    labels = [int(item['data_samples'].gt_label) for item in items]
    assert sorted(labels) == [0] * 5 + [1] * 5
    return items, np.array(labels)


def probabilities(model, items):
    """Malignancy probability of each video."""
    return np.array([
        float(predict(model, pseudo_collate([item])).pred_score[1])
        for item in items
    ])


# ---------------------------------------------------------------------------
# test_cfg and hardware checks
# ---------------------------------------------------------------------------
def test_test_cfg_is_checked():
    assert FastInferenceCfg.from_test_cfg(None) == FastInferenceCfg()
    # typos, and names the keys do not have (MMAction2's and mmengine's
    # are used)
    for bad in (dict(chunk_size=4), dict(frame_chunk_size=4),
                dict(autocast_dtype='bfloat16')):
        with pytest.raises(ValueError, match='Unknown KGARecognizer'):
            FastInferenceCfg.from_test_cfg(bad)
    for bad in (dict(max_testing_views=0), dict(max_testing_views=2.5),
                dict(max_testing_views=True), dict(channels_last='yes'),
                dict(fp16='bfloat16'), dict(compile=1)):
        with pytest.raises(ValueError, match='test_cfg'):
            FastInferenceCfg.from_test_cfg(bad)


def test_bad_test_cfg_fails_before_any_inference(model):
    with pytest.raises(ValueError, match='max_testing_views'):
        build_model(test_cfg=dict(max_testing_views=0))
    # set after building: refused as it is set
    with pytest.raises(ValueError, match='max_testing_views'):
        clone_with(model, max_testing_views=0)


def test_test_cfg_is_read_once_when_set(model, monkeypatch):
    fast = clone_with(model, max_testing_views=3, channels_last=True)
    assert fast.inference_cfg == FastInferenceCfg(max_testing_views=3,
                                                  channels_last=True)
    assert fast.test_cfg == dict(max_testing_views=3, channels_last=True)
    reads, seen = [], []
    monkeypatch.setattr(FastInferenceCfg, 'from_test_cfg',
                        lambda cfg: reads.append(cfg))
    fast.backbone.register_forward_pre_hook(
        lambda module, args: seen.append(args[0].shape[0]))
    predict(fast, video_batch(7))
    predict(fast, video_batch(5))
    assert reads == []  # the test batches follow what was read
    assert seen == [3, 3, 1, 3, 2]


def test_fast_flags_make_a_test_cfg():
    cpu = inference_test_cfg('cpu', fast=True, base=dict(channels_last=False))
    assert cpu == dict(channels_last=True,
                       max_testing_views=FAST_FRAME_CHUNK_SIZES['cpu'],
                       fp16=cpu_supports_bf16())
    cuda = inference_test_cfg('cuda', fast=True)
    assert cuda['fp16'] is True
    assert cuda['max_testing_views'] == FAST_FRAME_CHUNK_SIZES['cuda']
    assert inference_test_cfg('cpu', fast=True, frame_chunk_size=5)[
        'max_testing_views'] == 5
    assert inference_test_cfg('cpu', frame_chunk_size=8) == dict(
        max_testing_views=8)
    assert inference_test_cfg('cpu', base=dict(channels_last=True)) == dict(
        channels_last=True)
    assert inference_test_cfg('cpu', compile=True) == dict(compile=True)
    assert inference_test_cfg('cpu', fast=True, compile=True)['compile']
    # checked by the recognizer that gets it
    with pytest.raises(ValueError, match='max_testing_views'):
        build_model(test_cfg=inference_test_cfg('cpu', frame_chunk_size=0))


def test_flags_reach_the_config_of_a_kga_recognizer_only():
    cfg = Config(dict(model=dict(type='KGARecognizer',
                                 test_cfg=dict(max_testing_views=8))))
    set_inference_test_cfg(cfg, 'cpu')
    assert cfg.model.test_cfg == dict(max_testing_views=8)
    set_inference_test_cfg(cfg, 'cpu', compile=True)
    assert cfg.model.test_cfg == dict(max_testing_views=8, compile=True)
    tsn = Config(dict(model=dict(type='Recognizer2D')))
    with pytest.raises(ValueError, match='--compile'):
        set_inference_test_cfg(tsn, 'cpu', compile=True)


def test_autocast_refused_without_native_support(model, monkeypatch):
    """A CPU without bf16 instructions gets a ValueError, not an emulated
    autocast slower than fp32; ``--fast`` then stays in float32."""
    monkeypatch.setattr(device, 'cpu_supports_bf16', lambda: False)
    with pytest.raises(ValueError, match='native bfloat16'):
        inference_context('cpu', fp16=True)
    with pytest.raises(ValueError, match='only supported on cpu and cuda'):
        check_fp16('meta')
    assert best_autocast_dtype('cpu') is None
    assert inference_test_cfg('cpu', fast=True)['fp16'] is False
    with pytest.raises(ValueError, match='native bfloat16'):
        predict(clone_with(model, fp16=True), video_batch(4))


# ---------------------------------------------------------------------------
# Chunks, channels_last, memory
# ---------------------------------------------------------------------------
def assert_fp32_close(actual, expected):
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-6)


# Chunking changes the batch shape of every backbone call, and CPU kernels
# pick their blocking (and so their summation order) by shape: oneDNN's
# convolutions, and also the BLAS GEMMs of the per-sample path without
# oneDNN, which are bit-identical across chunk sizes on some CPUs (AMD EPYC
# here) but not on others (Intel AVX-512). What holds on every CPU is
# agreement within float32 rounding; both kernel paths are checked.
ONEDNN = pytest.mark.parametrize('onednn', [False, True],
                                 ids=['per-sample-kernels', 'onednn'])
# torch.backends.mkldnn.flags() warns about TF32 on Intel GPUs
NO_TF32_WARNING = pytest.mark.filterwarnings('ignore:TF32 acceleration')


@ONEDNN
@NO_TF32_WARNING
def test_chunked_embedding_equals_unchunked(model, onednn):
    frames = torch.randn(7, 3, SIZE, SIZE)
    with torch.no_grad(), torch.backends.mkldnn.flags(enabled=onednn):
        whole = model.embed(frames)
        for chunk in (1, 2, 3, 7, 32):
            assert_fp32_close(embed_in_chunks(model.embed, frames, chunk),
                              whole)
        assert embed_in_chunks(model.embed, frames[:0], 4).shape == (0, 512)
    with pytest.raises(ValueError, match='chunk_size'):
        embed_in_chunks(model.embed, frames, 0)


@ONEDNN
@NO_TF32_WARNING
def test_chunked_predictions_equal_unchunked(model, onednn):
    data = video_batch(10)
    with torch.backends.mkldnn.flags(enabled=onednn):
        reference = predict(model, data)
        chunked = predict(clone_with(model, max_testing_views=3), data)
    for key in ('pred_score', 'frame_weights', 'frame_scores',
                'center_distances'):
        assert_fp32_close(chunked.get(key), reference.get(key))


def test_channels_last_matches_fp32_within_1e_4(model):
    data = video_batch(10)
    reference = predict(model, data)
    fast = clone_with(model, channels_last=True, max_testing_views=4)
    result = predict(fast, data)
    for key in ('pred_score', 'frame_weights', 'frame_scores'):
        torch.testing.assert_close(result.get(key), reference.get(key),
                                   rtol=0, atol=1e-4)
    conv = fast.backbone.conv1.conv.weight
    assert conv.is_contiguous(memory_format=torch.channels_last)


def backbone_batches(model, data):
    """(frames, channels_last?) of every backbone call of one prediction."""
    seen = []

    def record(module, args):
        x = args[0]
        seen.append(
            (x.shape[0], x.is_contiguous(memory_format=torch.channels_last)))

    handle = model.backbone.register_forward_pre_hook(record)
    predict(model, data)
    handle.remove()
    return seen


def test_backbone_never_sees_more_than_a_chunk(model):
    """128 frames go through the backbone 32 (channels_last) at a time:
    the activations are bounded by the chunk, not by the video."""
    fast = clone_with(model, max_testing_views=32, channels_last=True)
    assert backbone_batches(fast, video_batch(128)) == [(32, True)] * 4
    chunked = clone_with(model, max_testing_views=48)
    assert backbone_batches(chunked, video_batch(100)) == [(48, False),
                                                           (48, False),
                                                           (4, False)]
    assert backbone_batches(model, video_batch(100)) == [(100, False)]


def test_features_reach_the_head_in_float32(model):
    """fp16 embeds in half precision (where the CPU has native bf16); the
    head computes in float32."""
    model = clone_with(model, fp16=cpu_supports_bf16())
    frames = torch.randn(5, 3, SIZE, SIZE)
    with torch.no_grad():
        feats, _ = model.extract_feat(frames[None], test_mode=True)
    assert feats['video'].dtype == (torch.bfloat16 if cpu_supports_bf16()
                                    else torch.float32)
    seen = []
    model.cls_head.fc_attention.register_forward_pre_hook(
        lambda module, args: seen.append(args[0].dtype))
    result = predict(model, video_batch(5))
    assert seen == [torch.float32]
    for key in ('pred_score', 'frame_weights', 'center_distances'):
        assert result.get(key).dtype == torch.float32, key


# ---------------------------------------------------------------------------
# torch.compile on a frozen snapshot
# ---------------------------------------------------------------------------
def assert_predictions_close(result, reference, atol):
    for key in ('pred_score', 'frame_weights', 'frame_scores'):
        torch.testing.assert_close(result.get(key), reference.get(key),
                                   rtol=0, atol=atol)


@pytest.mark.slow
def test_compiled_embedding_matches_eager_and_follows_new_weights(model):
    """``compile=True`` embeds through one compiled graph for any frame
    count (BatchNorm folded: fp32 rounding apart, the eager predictions),
    and after the weights change it answers for the new weights, not for
    the snapshot it froze."""
    from torch._dynamo.utils import counters
    compiled = clone_with(model, compile=True, max_testing_views=8)
    graphs = counters['stats']['unique_graphs']
    for num_frames in (10, 5, 16):
        data = video_batch(num_frames, seed=num_frames)
        assert_predictions_close(predict(compiled, data),
                                 predict(model, data), atol=1e-4)
    assert counters['stats']['unique_graphs'] == graphs + 1, (
        'not compiled, or compiled again for another frame count')
    assert compiled in fast_inference._COMPILED
    assert model not in fast_inference._COMPILED

    compiled.load_state_dict(build_model(seed=1).state_dict())
    eager = clone_with(compiled)
    data = video_batch(10)
    assert not torch.allclose(
        predict(eager, data).pred_score, predict(model, data).pred_score,
        atol=1e-3), 'the new weights should change the prediction'
    assert_predictions_close(predict(compiled, data), predict(eager, data),
                             atol=1e-4)


# ---------------------------------------------------------------------------
# bf16 autocast against fp32
# ---------------------------------------------------------------------------
def video_features(model, items):
    """fp32 aggregated video features ``F_V`` ``[N, C]``, read off the head
    with its classifier replaced by the identity."""
    model = copy.deepcopy(model)
    model.cls_head.fc_cls = torch.nn.Identity()
    with torch.no_grad():
        return torch.stack([
            model(**model.data_preprocessor(pseudo_collate([item]), False),
                  mode='tensor')['video_scores'][0] for item in items
        ])


def fit_classifier(model, items, labels):
    """Point the video classifier along the difference of the class means
    of the fp32 video features (where a trained classifier looks: videos
    differ there, not only by noise), scaled so that the logit margins of
    ``items`` have mean 0 and std 2: probabilities spread over about
    0.1-0.9, where they are most sensitive to the features' errors."""
    feats = video_features(model, items).double()  # [N, C]
    labels = torch.as_tensor(labels)
    direction = feats[labels == 1].mean(0) - feats[labels == 0].mean(0)
    margins = feats @ direction
    scale = 2 / margins.std()
    with torch.no_grad():
        fc = model.cls_head.fc_cls
        fc.weight.copy_(torch.stack([-direction, direction]) * scale / 2)
        fc.bias.copy_(torch.tensor([1., -1.]) * scale * margins.mean() / 2)
    return model


def test_bf16_autocast_matches_fp32(model, synthetic_videos):
    """Probabilities within 0.01 and AUC within 0.02 of fp32 on synthetic
    BUSV videos, where the CPU has native bf16; elsewhere bf16 is refused
    and ``--fast`` falls back to float32 (channels_last, chunks)."""
    items, labels = synthetic_videos
    model = fit_classifier(clone_with(model), items, labels)
    fp32 = probabilities(model, items)
    assert fp32.std() > 0.1, 'probabilities too alike to compare AUCs'
    bf16_cfg = dict(channels_last=True, max_testing_views=4, fp16=True)
    if not cpu_supports_bf16():
        with pytest.raises(ValueError, match='native bfloat16'):
            probabilities(clone_with(model, **bf16_cfg), items)
        fast_cfg = inference_test_cfg('cpu', fast=True)
        assert fast_cfg['fp16'] is False
        fast = probabilities(clone_with(model, **fast_cfg), items)
        np.testing.assert_allclose(fast, fp32, rtol=0, atol=1e-4)
        return
    bf16 = probabilities(clone_with(model, **bf16_cfg), items)
    assert np.abs(bf16 - fp32).max() <= BF16_PROB_TOL, (bf16, fp32)
    assert not np.array_equal(bf16, fp32), 'autocast did not run'
    assert abs(pairwise_auc(labels, bf16) -
               pairwise_auc(labels, fp32)) <= BF16_AUC_TOL
