"""KGA-Net recognizer (Sun et al., MICCAI 2023, Fig. 2)."""
from typing import Dict, Optional, Tuple, Union

import torch
from mmaction.models.recognizers import Recognizer2D
from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType, SampleList

from ...sources import IMAGE, VIDEO
from ..utils import full_precision, gt_labels
from .fast_inference import FastInferenceCfg, embed_for_inference

Inputs = Union[torch.Tensor, Dict[str, Optional[torch.Tensor]]]


@MODELS.register_module()
class KGARecognizer(Recognizer2D):
    """Keyframe-guided attention network.

    One 2D backbone embeds every video frame and every keyframe image; the
    :class:`FrameAttentionHead` aggregates the frames of each video and
    computes ``L_CE^V + L_CE^I + L_Center + lambda * L_Coh`` plus the
    frame-level CE (eq. 4). Inference runs the video branch alone.

    Args:
        backbone (dict): 2D backbone (MMAction2, mmpretrain, torchvision or
            timm, as for :class:`Recognizer2D`).
        cls_head (dict): A :class:`FrameAttentionHead` config.
        feature_activation (str, optional): ``None`` or ``'sigmoid'``,
            applied to the pooled features (the released code uses sigmoid).
            Defaults to None.
        center_source (str): Which features form the class centers of the
            head's center loss: ``'image'`` (KGA-Net) or ``'video'`` (frames
            of the videos; the "w/o image guidance" ablation). Only a head
            with ``loss_center`` uses it: without one, training batches
            need no images either way. Defaults to ``'image'``.
        max_frames (int): Most frames accepted per video at inference
            (128 in the paper). Defaults to 128.
        train_cfg (dict, optional): Unused; kept for MMAction2 parity.
        test_cfg (dict, optional): How the backbone runs at inference:
            ``frame_chunk_size`` (int, frames per backbone call),
            ``channels_last`` (bool) and ``autocast_dtype`` (``'bfloat16'``
            or ``'float16'``); see :mod:`.fast_inference`. Defaults to None
            (all frames at once, float32, NCHW).
        data_preprocessor (dict, optional): Defaults to
            ``dict(type='MixedSourceDataPreprocessor')``.
    """

    ACTIVATIONS = {None: None, 'sigmoid': torch.sigmoid}
    CENTER_SOURCES = (IMAGE, VIDEO)

    def __init__(self,
                 backbone: ConfigType,
                 cls_head: ConfigType,
                 feature_activation: Optional[str] = None,
                 center_source: str = IMAGE,
                 max_frames: int = 128,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None) -> None:
        if feature_activation not in self.ACTIVATIONS:
            raise ValueError(
                f'Unknown feature_activation {feature_activation!r}; choose '
                f'one of {list(self.ACTIVATIONS)}')
        if center_source not in self.CENTER_SOURCES:
            raise ValueError(f'Unknown center_source {center_source!r}; '
                             f'choose one of {self.CENTER_SOURCES}')
        FastInferenceCfg.from_test_cfg(test_cfg)  # a bad key fails here
        if data_preprocessor is None:
            data_preprocessor = dict(type='MixedSourceDataPreprocessor')
        super().__init__(backbone=backbone, cls_head=cls_head,
                         train_cfg=train_cfg, test_cfg=test_cfg,
                         data_preprocessor=data_preprocessor)
        self.feature_activation = feature_activation
        self.center_source = center_source
        self.max_frames = max_frames

    def embed(self, frames: torch.Tensor) -> torch.Tensor:
        """Embed frames with the shared backbone into pooled features.

        Args:
            frames (torch.Tensor): ``[M, C, H, W]``.

        Returns:
            torch.Tensor: ``[M, C']``, after ``feature_activation``.
        """
        x, _ = super().extract_feat(frames.unsqueeze(1), stage='backbone')
        if isinstance(x, (tuple, list)):
            x = x[-1]
        # [M, C', h, w] or [M, C', 1, 1] -> [M, C']; [M, L, C'] -> [M, C']
        x = x.mean(dim=(2, 3)) if x.dim() == 4 else x
        x = x.mean(dim=1) if x.dim() == 3 else x
        activation = self.ACTIVATIONS[self.feature_activation]
        return activation(x) if activation is not None else x

    def extract_feat(self,
                     inputs: Inputs,
                     stage: str = 'neck',
                     data_samples: Optional[SampleList] = None,
                     test_mode: bool = False) -> Tuple[dict, dict]:
        """Embed the video frames and images of a batch in one pass.

        Args:
            inputs (dict | torch.Tensor): ``{'video': [N, T, C, H, W],
                'image': [M, 1, C, H, W] | None}``, or the video tensor.
            stage (str): Unused (features are always pooled per frame).
            data_samples (list[ActionDataSample], optional): Videos first,
                then images, as the data preprocessor orders them.
            test_mode (bool): Whether in test mode.

        Returns:
            tuple[dict, dict]: Features ``{'video': [N, T, C'],
            'image': [M, C'] | None}`` and ``{'valid_mask': [N, T]}``.
        """
        video, image = self._split_inputs(inputs)
        num_videos, num_frames = video.shape[:2]
        if test_mode and num_frames > self.max_frames:
            raise ValueError(f'A video of {num_frames} frames exceeds '
                             f'max_frames={self.max_frames}; sample fewer '
                             'frames in the test pipeline')
        frames = video.flatten(0, 1)  # [N, T, C, H, W] -> [N * T, C, H, W]
        if image is not None:
            if image.shape[2:] != video.shape[2:]:
                raise ValueError(
                    f'Images {tuple(image.shape[2:])} and video frames '
                    f'{tuple(video.shape[2:])} of one batch differ in shape; '
                    'use the same crop size in both pipelines')
            # [M, 1, C, H, W] -> [M, C, H, W], after the video frames
            frames = torch.cat([frames, image.flatten(0, 1)])
        # [N * T (+ M), C'] in float32, also under mixed precision (the
        # head computes in float32); at inference as test_cfg says (chunks,
        # channels_last, autocast)
        feats = (embed_for_inference(self, frames)
                 if test_mode else full_precision(self.embed(frames)))
        video_feats = feats[:num_videos * num_frames].view(
            num_videos, num_frames, -1)  # [N, T, C']
        image_feats = (feats[num_videos * num_frames:].view(
            image.shape[0], image.shape[1], -1).mean(dim=1)
                       if image is not None else None)  # [M, C']
        valid_mask = video.new_ones(num_videos, num_frames)
        for i, sample in enumerate((data_samples or [])[:num_videos]):
            valid_mask[i, sample.metainfo.get('num_frames', num_frames):] = 0
        return dict(video=video_feats, image=image_feats), dict(
            valid_mask=valid_mask)

    @staticmethod
    def _split_inputs(inputs: Inputs) -> Tuple[torch.Tensor, Optional[
            torch.Tensor]]:
        if isinstance(inputs, torch.Tensor):
            return inputs, None
        if inputs.get(VIDEO) is None:
            raise ValueError('KGARecognizer got a batch without video clips')
        return inputs[VIDEO], inputs.get(IMAGE)

    def loss(self, inputs: Inputs, data_samples: SampleList,
             **kwargs) -> Dict[str, torch.Tensor]:
        """Compute every loss term of eq. 4 on a mixed batch.

        Args:
            inputs (dict | torch.Tensor): See :meth:`extract_feat`.
            data_samples (list[ActionDataSample]): Videos, then images.

        Returns:
            dict: ``loss_cls``, ``loss_frame``, ``loss_image``,
            ``loss_center`` and ``loss_coherence`` (those configured).

        Raises:
            ValueError: If the head has a center loss, ``center_source`` is
                ``'image'`` and the batch holds no images.
        """
        feats, kwargs = self.extract_feat(inputs, data_samples=data_samples)
        num_videos = feats[VIDEO].shape[0]
        video_samples = data_samples[:num_videos]
        image_samples = data_samples[num_videos:]
        valid_mask = kwargs['valid_mask']
        # only a center loss needs center features (and then, by default,
        # images); without one a video-only batch trains as it is
        center_feats, center_labels = None, None
        if self.cls_head.loss_center is not None:
            center_feats, center_labels = self._center_features(
                feats, video_samples, image_samples, valid_mask)
        with self._float32_head(feats[VIDEO]):
            return self.cls_head.loss(
                feats[VIDEO], video_samples, valid_mask=valid_mask,
                image_feats=feats[IMAGE], image_samples=image_samples,
                center_feats=center_feats, center_labels=center_labels)

    def _center_features(
            self, feats: dict, video_samples: SampleList,
            image_samples: SampleList,
            valid_mask: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """The features that form the class centers, and their labels.

        Args:
            feats (dict): ``{'video': [N, T, C'], 'image': [M, C'] | None}``.
            video_samples (list[ActionDataSample]): The N video samples.
            image_samples (list[ActionDataSample]): The M image samples.
            valid_mask (torch.Tensor): ``[N, T]``.

        Returns:
            tuple[torch.Tensor, torch.Tensor]: ``[M, C']`` image features
            (``center_source='image'``) or ``[N * T_valid, C']`` real video
            frames (``'video'``), and their labels.

        Raises:
            ValueError: If ``center_source`` is ``'image'`` and the batch
                holds no images.
        """
        if self.center_source == IMAGE:
            if feats[IMAGE] is None:
                raise ValueError(
                    "The center loss with center_source='image' needs images "
                    'in every training batch (the class centers are formed '
                    'from keyframe images): train on a '
                    "MixedVideoImageDataset, or set center_source='video' "
                    '(centers from the video frames)')
            return feats[IMAGE], gt_labels(image_samples,
                                           feats[IMAGE].device)
        valid = valid_mask.bool()
        center_labels = gt_labels(video_samples, valid.device).view(
            -1, 1).expand_as(valid)[valid]
        return feats[VIDEO][valid], center_labels  # [N * T_valid, C']

    def predict(self, inputs: Inputs, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Classify videos with the video branch alone.

        Args:
            inputs (dict | torch.Tensor): Video clips ``[N, T, C, H, W]``
                with ``T <= max_frames``.
            data_samples (list[ActionDataSample]): The N video samples.

        Returns:
            list[ActionDataSample]: With ``pred_score``, ``pred_label``,
            ``frame_weights``, ``frame_scores`` and ``center_distances``.
        """
        feats, kwargs = self.extract_feat(inputs, data_samples=data_samples,
                                          test_mode=True)
        if feats[IMAGE] is not None:
            raise ValueError('KGARecognizer predicts videos only; the test '
                             'data holds still images')
        with self._float32_head(feats[VIDEO]):
            return self.cls_head.predict(feats[VIDEO], data_samples,
                                         **kwargs)

    def _forward(self, inputs: Inputs, stage: str = 'head',
                 **kwargs) -> dict:
        """Network forward without post-processing (``mode='tensor'``).

        Returns:
            dict: The head outputs for the videos: ``video_scores``
            ``[N, K]``, ``frame_scores`` ``[N, T, K]``, ``weights``
            ``[N, T]``.
        """
        feats, kwargs = self.extract_feat(inputs, test_mode=True)
        with self._float32_head(feats[VIDEO]):
            return self.cls_head(feats[VIDEO], kwargs['valid_mask'])

    @staticmethod
    def _float32_head(feats: torch.Tensor) -> torch.autocast:
        """Autocast off for the head: under mixed precision (``--amp``)
        the attention, the classifiers' scores, the Gram matrices and the
        center distances stay float32, as the features reach them."""
        return torch.autocast(feats.device.type, enabled=False)

