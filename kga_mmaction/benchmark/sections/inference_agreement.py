"""How far KGA-Net's fast paths are from fp32, for the inference section.

On the timed videos: the features, attention weights and probabilities. On
synthetic videos under random weights: the probabilities and AUCs, with the
random classifier as built and with a nearest-centroid one fitted to the
fp32 features (:func:`fit_classifier`).
"""
import contextlib
import copy
from typing import Dict, Iterator, List, Sequence

import numpy as np
import torch

from kga_mmaction.evaluation.functional import roc_analysis
from ..builders import predict_fn, test_batch
from ..clips import VideoClips


def fit_classifier(model: torch.nn.Module, videos: Sequence[torch.Tensor],
                   labels: Sequence[int]) -> float:
    """Replace the random video classifier by a nearest-centroid one.

    Fitted on the fp32 video features ``F_V`` of ``videos``: direction =
    mean malignant ``F_V`` minus mean benign ``F_V``, scaled and shifted so
    that the logit margins have mean 0 and std 2 (probabilities over
    ~0.1-0.9, where they are most sensitive to feature errors). A random
    classifier leaves the probabilities saturated or all near 0.5 instead;
    this one, like a trained one, points where the videos differ.

    Returns:
        float: The scale applied to the centroid direction.
    """
    fc = model.cls_head.fc_cls
    video_feats = []
    handle = fc.register_forward_pre_hook(
        lambda module, args: video_feats.append(args[0].detach()))
    try:
        with torch.no_grad():
            for video in videos:
                data = model.data_preprocessor(test_batch(video), False)
                model(**data, mode='tensor')
    finally:
        handle.remove()
    feats = torch.cat(video_feats).double()  # [N, C]
    labels = torch.as_tensor(labels, device=feats.device)
    direction = feats[labels == 1].mean(0) - feats[labels == 0].mean(0)
    margins = feats @ direction  # [N]
    scale = 2 / margins.std().clamp_min(1e-12)
    with torch.no_grad():
        fc.weight.zero_()
        fc.bias.zero_()
        fc.weight[1] = (scale * direction).to(fc.weight.dtype)
        fc.bias[1] = float(-scale * margins.mean())
    return float(scale)


@contextlib.contextmanager
def head_of(model: torch.nn.Module,
            donor: torch.nn.Module) -> Iterator[torch.nn.Module]:
    """``model`` with a copy of ``donor``'s classification head inside the
    ``with`` block, and its own head again after it.

    Only the head changes: the backbone keeps its weights, so that a
    compiled snapshot of it (``test_cfg`` ``compile=True``, which follows
    the backbone's weights) is reused rather than compiled again, as it
    would be for a deep copy of ``model``.
    """
    own = copy.deepcopy(model.cls_head.state_dict())
    model.cls_head.load_state_dict(donor.cls_head.state_dict())
    try:
        yield model
    finally:
        model.cls_head.load_state_dict(own)


def malignant_probs(model: torch.nn.Module,
                    videos: Sequence[torch.Tensor]) -> np.ndarray:
    """The malignant probability of each video."""
    return np.array([
        float(predict_fn(model, v)().pred_score[1]) for v in videos])


def timed_video_agreement(kga: torch.nn.Module,
                          fast: Dict[str, torch.nn.Module],
                          video: torch.Tensor, seed: int) -> List[dict]:
    """Each fast path vs fp32 on one video: probabilities, attention
    weights and the features' relative error."""
    data = kga.data_preprocessor(test_batch(video), False)
    ref = predict_fn(kga, video)()
    with torch.no_grad():
        feats = kga.embed(data['inputs']['video'][0])  # [T, C']
    rows = []
    for name, model in fast.items():
        out = predict_fn(model, video)()
        with torch.no_grad():
            feats_fast = model.extract_feat(
                data['inputs'], test_mode=True)[0]['video'][0]  # [T, C']
        rows.append(dict(
            model=name, seed=seed, videos=1, frames=video.shape[0],
            classifier='as built',
            max_abs_prob_diff=float(
                (out.pred_score - ref.pred_score).abs().max()),
            max_abs_weight_diff=float(
                (out.frame_weights - ref.frame_weights).abs().max()),
            feature_rel_error=float(
                (feats_fast - feats).norm() / feats.norm())))
    return rows


def synthetic_agreement(kga: torch.nn.Module,
                        fast: Dict[str, torch.nn.Module], seed: int,
                        clips: VideoClips, sz: dict) -> List[dict]:
    """Each fast path vs fp32 on the first ``agreement_videos`` synthetic
    videos: the probabilities' largest difference and the AUCs, with the
    random classifier as built and with one fitted to the videos
    (:func:`fit_classifier`)."""
    count = min(sz['agreement_videos'], len(clips))
    videos = [clips.clip(i, sz['agreement_frames'], sz['size'])
              for i in range(count)]
    labels = [clips.label(i) for i in range(count)]

    def auc(probs):
        if len(set(labels)) < 2:
            return None
        return roc_analysis(probs, labels).auc

    rows = []
    for classifier in ('as built', 'fitted'):
        scale = None
        if classifier == 'fitted':
            kga = copy.deepcopy(kga)
            scale = fit_classifier(kga, videos, labels)
        p32 = malignant_probs(kga, videos)
        for name, model in fast.items():
            with head_of(model, kga):  # fp32's head, as built or fitted
                pfast = malignant_probs(model, videos)
            rows.append(dict(
                model=name, seed=seed, videos=len(videos),
                frames=sz['agreement_frames'], classifier=classifier,
                fitted_scale=scale,
                max_abs_prob_diff=float(np.abs(pfast - p32).max()),
                auc_fp32=auc(p32), auc_fast=auc(pfast),
                fp32_probs=p32.tolist(), fast_probs=pfast.tolist()))
    return rows
