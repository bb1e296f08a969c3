"""KGA-Net recognizer (Sun et al., MICCAI 2023, Fig. 2)."""
from typing import Dict, Optional, Tuple, Union

import torch
from mmaction.models.recognizers import Recognizer2D
from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType, SampleList

from ...sources import IMAGE, VIDEO
from .fast_inference import FastInferenceCfg, embed_for_inference

Inputs = Union[torch.Tensor, Dict[str, Optional[torch.Tensor]]]


@MODELS.register_module()
class KGARecognizer(Recognizer2D):
    """Keyframe-guided attention network.

    One 2D backbone embeds every video frame and every keyframe image of a
    batch in one pass; :meth:`extract_feat` returns the pooled features
    with the mask of the real (unpadded) frames, and the
    :class:`FrameAttentionHead` does the rest, as MMAction2 heads do: it
    aggregates the frames of each video and computes ``L_CE^V + L_CE^I +
    L_Center + lambda * L_Coh`` plus the frame-level CE (eq. 4), forming the
    class centers from the features its ``center_source`` names. ``loss``
    is MMAction2's ``BaseRecognizer.loss``. Inference runs the video branch
    alone.

    Args:
        backbone (dict): 2D backbone (MMAction2, mmpretrain, torchvision or
            timm, as for :class:`Recognizer2D`).
        cls_head (dict): A :class:`FrameAttentionHead` config.
        feature_activation (str, optional): ``None`` or ``'sigmoid'``,
            applied to the pooled features (the released code uses sigmoid).
            Defaults to None.
        max_frames (int): Most frames accepted per video at inference
            (128 in the paper). Defaults to 128.
        train_cfg (dict, optional): Unused; kept for MMAction2 parity.
        test_cfg (dict, optional): How the backbone runs at inference:
            ``max_testing_views`` (int, frames per backbone call, as for
            :class:`Recognizer2D`), ``fp16`` (bool, autocast as mmengine's
            ``TestLoop(fp16=True)``), ``channels_last`` (bool) and
            ``compile`` (bool); see :mod:`.fast_inference`. Read once, when
            set (here, or by assigning ``test_cfg`` later), into
            :attr:`inference_cfg`. Defaults to None (all frames at once,
            float32, NCHW).
        data_preprocessor (dict, optional): Defaults to
            ``dict(type='MixedSourceDataPreprocessor')``.
    """

    ACTIVATIONS = {None: None, 'sigmoid': torch.sigmoid}
    #: ``test_cfg`` as read when it was set; test-mode forwards follow it.
    inference_cfg: FastInferenceCfg

    def __init__(self,
                 backbone: ConfigType,
                 cls_head: ConfigType,
                 feature_activation: Optional[str] = None,
                 max_frames: int = 128,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None) -> None:
        if feature_activation not in self.ACTIVATIONS:
            raise ValueError(
                f'Unknown feature_activation {feature_activation!r}; choose '
                f'one of {list(self.ACTIVATIONS)}')
        if data_preprocessor is None:
            data_preprocessor = dict(type='MixedSourceDataPreprocessor')
        super().__init__(backbone=backbone, cls_head=cls_head,
                         train_cfg=train_cfg, test_cfg=test_cfg,
                         data_preprocessor=data_preprocessor)
        self.feature_activation = feature_activation
        self.max_frames = max_frames

    @property
    def test_cfg(self) -> OptConfigType:
        """The ``test_cfg`` as given; :attr:`inference_cfg` holds it read."""
        return self._test_cfg

    @test_cfg.setter
    def test_cfg(self, test_cfg: OptConfigType) -> None:
        # a bad key or value fails here, not at the first test batch
        self.inference_cfg = FastInferenceCfg.from_test_cfg(test_cfg)
        self._test_cfg = test_cfg

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
                then images, as the data preprocessor orders them; each
                video's ``num_frames`` metainfo (its length before padding)
                makes the valid mask. Defaults to None (no padding).
            test_mode (bool): Whether in test mode: the backbone then runs
                as :attr:`inference_cfg` says (chunks, fp16, channels_last,
                compile).

        Returns:
            tuple[dict, dict]: Features ``{'video': [N, T, C'],
            'image': [M, C'] | None}`` in the backbone's dtype, and
            ``{'valid_mask': [N, T]}`` (1 for real frames, 0 for padding).
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
        # [N * T (+ M), C']
        feats = (embed_for_inference(self, frames, self.inference_cfg)
                 if test_mode else self.embed(frames))
        video_feats = feats[:num_videos * num_frames].view(
            num_videos, num_frames, -1)  # [N, T, C']
        image_feats = (feats[num_videos * num_frames:].view(
            image.shape[0], image.shape[1], -1).mean(dim=1)
                       if image is not None else None)  # [M, C']
        valid_mask = video.new_ones(num_videos, num_frames)  # [N, T]
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

    def predict(self, inputs: Inputs, data_samples: SampleList,
                **kwargs) -> SampleList:
        """Classify videos with the video branch alone.

        As ``BaseRecognizer.predict``, but the data samples reach
        :meth:`extract_feat` too: their lengths make the valid mask.

        Args:
            inputs (dict | torch.Tensor): Video clips ``[N, T, C, H, W]``
                with ``T <= max_frames``.
            data_samples (list[ActionDataSample]): The N video samples.

        Returns:
            list[ActionDataSample]: With ``pred_score``, ``pred_label``,
            ``frame_weights``, ``frame_scores``, ``frame_video_logits`` and
            ``center_distances`` (:meth:`FrameAttentionHead.predict`).
        """
        feats, predict_kwargs = self.extract_feat(
            inputs, data_samples=data_samples, test_mode=True)
        return self.cls_head.predict(feats, data_samples, **predict_kwargs)

    def _forward(self, inputs: Inputs, stage: str = 'head',
                 **kwargs) -> dict:
        """Network forward without post-processing (``mode='tensor'``).

        Returns:
            dict: The head outputs for the videos: ``video_scores``
            ``[N, K]``, ``frame_scores`` ``[N, T, K]``, ``weights``
            ``[N, T]``.
        """
        feats, forward_kwargs = self.extract_feat(inputs, test_mode=True)
        return self.cls_head(feats, **forward_kwargs)
