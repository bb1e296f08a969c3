"""Frame attention head of KGA-Net (Sun et al., MICCAI 2023, section 3.1)."""
from typing import Dict, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmaction.models.heads import BaseHead
from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType, SampleList
from mmengine.model.weight_init import normal_init

from ..losses import center_distances
from ..utils import gt_labels

Features = Union[torch.Tensor, Sequence[torch.Tensor]]


@MODELS.register_module()
class FrameAttentionHead(BaseHead):
    """Weights each frame feature by attention and classifies the video.

    ``w_i = sigmoid(FC(F_i))`` (eq. 1) and ``F_V = sum_i w_i F_i`` (or its
    mean over frames); a linear classifier turns ``F_V`` into video scores.
    A second linear classifier scores single frames: every video frame and
    every keyframe image share it, as the released code does.

    Eq. 4 has one term ``L_CE^I`` for "image and frame classification". It
    is split here into ``loss_frame`` (video frames) and ``loss_image``
    (keyframe images), each a loss config of its own; with weight 0.5 each
    and 1:1 batches their sum is the CE averaged over frames and images
    alike, as the released code computes it over every frame of a batch.

    The head also owns the two KGA-Net losses: the center loss, whose
    learnable ``centers`` are the class feature centers, and the coherence
    loss, which pulls ``1 - w`` towards the frames' distances to the centers
    of their own class (eqs. 2-3). Either may be left out (ablations).

    Two kinds of input are accepted (see :meth:`frame_features`):

    * pooled frame features ``[N, T, C]``, with optional ``valid_mask``, as
      :class:`KGARecognizer` passes them;
    * backbone feature maps ``[N * num_segs, C, h, w]`` with ``num_segs``,
      as MMAction2's ``Recognizer2D`` passes them to ``TSNHead``: each map is
      averaged spatially and the segments of a video are attended over
      instead of averaged (attention-pooled TSN). ``Recognizer2D`` passes no
      images and no center features, so only ``loss_cls`` and
      ``loss_frame`` (each segment labelled as its video, which trains the
      frame classifier behind ``frame_scores``) are computed; a head with
      ``loss_center`` needs :class:`KGARecognizer`.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature dimension ``C`` of each frame.
        aggregation (str): ``'mean'`` for ``sum_i w_i F_i / T`` (released
            code; the video scores do not depend on the number of frames),
            ``'sum'`` for ``sum_i w_i F_i`` (the paper's formula; its scale
            grows with ``T``), or ``'avg'`` for the plain frame average
            without attention (the "w/o coherence loss & attention"
            ablation). Defaults to ``'mean'``.
        dropout_ratio (float): Dropout before both classifiers.
            Defaults to 0.
        init_std (float): Std of the normal init of the linear layers.
            Defaults to 0.01.
        loss_cls (dict): Video classification loss ``L_CE^V``.
            Defaults to ``dict(type='CrossEntropyLoss')``.
        loss_frame (dict): Loss on the frame classifier's scores of every
            real video frame, each frame labelled as its video.
            Defaults to ``dict(type='CrossEntropyLoss', loss_weight=0.5)``.
        loss_image (dict): Loss on the frame classifier's scores of the
            keyframe images. Defaults to
            ``dict(type='CrossEntropyLoss', loss_weight=0.5)``.
        loss_center (dict, optional): A :class:`CenterLoss` config;
            ``num_classes`` and ``feat_dim`` default to the head's.
            Defaults to None (no centers).
        loss_coherence (dict, optional): A :class:`CoherenceLoss` config;
            needs ``loss_center``. Defaults to None.
        topk (tuple[int]): Top-k accuracies logged in training.
            Defaults to ``(1, )``.
        average_clips (str): ``'prob'`` makes ``pred_score`` the softmax
            probabilities. Defaults to ``'prob'``.
        kwargs: Other :class:`BaseHead` arguments.
    """

    AGGREGATIONS = ('sum', 'mean', 'avg')

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 aggregation: str = 'mean',
                 dropout_ratio: float = 0.,
                 init_std: float = 0.01,
                 loss_cls: ConfigType = dict(type='CrossEntropyLoss'),
                 loss_frame: ConfigType = dict(
                     type='CrossEntropyLoss', loss_weight=0.5),
                 loss_image: ConfigType = dict(
                     type='CrossEntropyLoss', loss_weight=0.5),
                 loss_center: OptConfigType = None,
                 loss_coherence: OptConfigType = None,
                 topk: tuple = (1, ),
                 average_clips: str = 'prob',
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, loss_cls=loss_cls,
                         topk=topk, average_clips=average_clips, **kwargs)
        if aggregation not in self.AGGREGATIONS:
            raise ValueError(f'Unknown aggregation {aggregation!r}; choose '
                             f'one of {self.AGGREGATIONS}')
        self.aggregation = aggregation
        self.loss_frame = MODELS.build(loss_frame)
        self.loss_image = MODELS.build(loss_image)
        self.init_std = init_std
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio else None
        self.fc_attention = (nn.Linear(in_channels, 1)
                             if aggregation != 'avg' else None)
        self.fc_cls = nn.Linear(in_channels, num_classes)
        self.fc_frame = nn.Linear(in_channels, num_classes)
        if loss_coherence is not None and loss_center is None:
            raise ValueError('loss_coherence needs loss_center: the '
                             'coherence loss measures distances to centers')
        self.loss_center = (MODELS.build(
            loss_center,
            default_args=dict(num_classes=num_classes,
                              feat_dim=in_channels))
                            if loss_center is not None else None)
        self.loss_coherence = (MODELS.build(loss_coherence)
                               if loss_coherence is not None else None)

    @property
    def centers(self) -> Optional[torch.Tensor]:
        """torch.Tensor | None: class feature centers ``[K, C]``."""
        return None if self.loss_center is None else self.loss_center.centers

    def init_weights(self) -> None:
        """Initiate the parameters from scratch."""
        for layer in (self.fc_attention, self.fc_cls, self.fc_frame):
            if layer is not None:
                normal_init(layer, std=self.init_std)

    def _classify(self, fc: nn.Linear, feats: torch.Tensor) -> torch.Tensor:
        if self.dropout is not None:
            feats = self.dropout(feats)
        return fc(feats)

    def frame_features(self,
                       feats: Features,
                       num_segs: Optional[int] = None) -> torch.Tensor:
        """Frame features ``[N, T, C]`` from either kind of input.

        Args:
            feats (torch.Tensor): Pooled frame features ``[N, T, C]``
                (``num_segs`` None), or backbone feature maps
                ``[N * num_segs, C, h, w]`` (``Recognizer2D``).
            num_segs (int, optional): Segments per video of 4-D maps.
                Defaults to None.

        Returns:
            torch.Tensor: ``[N, T, C]`` (``T = num_segs`` for maps).

        Raises:
            ValueError: For any other input (a tuple, another number of
                dimensions, a batch that ``num_segs`` does not divide), or
                ``C`` other than ``in_channels``; the message names the
                shape received and the shapes accepted.
        """
        accepted = ('pooled frame features [N, T, C] (KGARecognizer) or '
                    'backbone feature maps [N * num_segs, C, h, w] with '
                    'num_segs (Recognizer2D, as TSNHead takes them)')
        if not isinstance(feats, torch.Tensor):
            shapes = [tuple(getattr(x, 'shape', ())) for x in feats]
            raise ValueError(f'FrameAttentionHead got a {type(feats).__name__}'
                             f' of features with shapes {shapes}; it accepts '
                             f'one tensor: {accepted}')
        if num_segs is None and feats.dim() == 3:
            frames = feats
        elif (num_segs is not None and num_segs > 0 and feats.dim() == 4
              and feats.shape[0] % num_segs == 0):
            # [N * num_segs, C, h, w] -> [N * num_segs, C]
            # -> [N, num_segs, C]
            frames = feats.mean(dim=(2, 3)).view(-1, num_segs,
                                                 feats.shape[1])
        else:
            raise ValueError(
                f'FrameAttentionHead got features of shape '
                f'{tuple(feats.shape)} with num_segs={num_segs}; it accepts '
                f'{accepted}')
        if frames.shape[-1] != self.in_channels:
            raise ValueError(
                f'FrameAttentionHead(in_channels={self.in_channels}) got '
                f'{frames.shape[-1]}-channel features (shape '
                f'{tuple(feats.shape)}); set cls_head.in_channels to the '
                'channels the backbone outputs')
        return frames

    def frame_weights(self, feats: torch.Tensor,
                      valid_mask: torch.Tensor) -> torch.Tensor:
        """Attention weight of every frame (eq. 1); 0 on padding.

        Args:
            feats (torch.Tensor): Frame features, shape ``[N, T, C]``.
            valid_mask (torch.Tensor): 1 for real frames, shape ``[N, T]``.

        Returns:
            torch.Tensor: Weights in [0, 1], shape ``[N, T]``. Without
            attention (``'avg'``) every real frame weighs ``1 / T_valid``.
        """
        mask = valid_mask.to(feats.dtype)
        if self.fc_attention is None:
            return mask / mask.sum(dim=1, keepdim=True).clamp(min=1)
        # [N, T, C] -> [N, T, 1] -> [N, T]
        return torch.sigmoid(self.fc_attention(feats)).squeeze(-1) * mask

    def forward(self,
                feats: Features,
                valid_mask: Optional[torch.Tensor] = None,
                num_segs: Optional[int] = None,
                **kwargs) -> Dict[str, torch.Tensor]:
        """Attend over frames and score the video and every frame.

        Args:
            feats (torch.Tensor): Frame features, shape ``[N, T, C]``, or
                feature maps ``[N * num_segs, C, h, w]``
                (see :meth:`frame_features`).
            valid_mask (torch.Tensor, optional): 1 for real frames, 0 for
                padding, shape ``[N, T]``. Defaults to all frames valid.
            num_segs (int, optional): Segments per video of feature maps.
                Defaults to None.

        Returns:
            dict: ``video_scores`` ``[N, K]``, ``frame_scores``
            ``[N, T, K]`` and ``weights`` ``[N, T]``.
        """
        feats = self.frame_features(feats, num_segs)
        if valid_mask is None:
            valid_mask = feats.new_ones(feats.shape[:2])
        weights = self.frame_weights(feats, valid_mask)  # [N, T]
        # [N, T, 1] * [N, T, C] -> [N, C]
        video_feat = (weights.unsqueeze(-1) * feats).sum(dim=1)
        if self.aggregation == 'mean':
            video_feat = video_feat / valid_mask.sum(1, keepdim=True).clamp(
                min=1).to(feats.dtype)
        return dict(
            video_scores=self._classify(self.fc_cls, video_feat),
            frame_scores=self._classify(self.fc_frame, feats),
            weights=weights)

    def classify_frames(self, feats: torch.Tensor) -> torch.Tensor:
        """Score single frames or images with the frame classifier.

        Args:
            feats (torch.Tensor): Features, shape ``[M, C]``.

        Returns:
            torch.Tensor: Scores, shape ``[M, K]``.
        """
        return self._classify(self.fc_frame, feats)

    def loss(self, feats: Features, data_samples: SampleList,
             valid_mask: Optional[torch.Tensor] = None,
             image_feats: Optional[torch.Tensor] = None,
             image_samples: Optional[SampleList] = None,
             center_feats: Optional[torch.Tensor] = None,
             center_labels: Optional[torch.Tensor] = None,
             num_segs: Optional[int] = None,
             **kwargs) -> Dict[str, torch.Tensor]:
        """All KGA-Net loss terms (eq. 4), each under its own key.

        Args:
            feats (torch.Tensor): Video frame features, ``[N, T, C]``, or
                feature maps ``[N * num_segs, C, h, w]``
                (see :meth:`frame_features`).
            data_samples (list[ActionDataSample]): The N video samples.
            valid_mask (torch.Tensor, optional): ``[N, T]``.
            image_feats (torch.Tensor, optional): Image features ``[M, C]``.
            image_samples (list[ActionDataSample], optional): The M image
                samples.
            center_feats (torch.Tensor, optional): Features that form the
                centers (images, or video frames without image guidance),
                ``[B, C]``.
            center_labels (torch.Tensor, optional): Their labels, ``[B]``.
            num_segs (int, optional): Segments per video of feature maps.

        Returns:
            dict: ``loss_cls`` (video CE ``L_CE^V``, with ``top1_acc``),
            ``loss_frame`` (frame-level CE), ``loss_image`` (``L_CE^I``, when
            images are given), ``loss_center`` and ``loss_coherence`` (when
            configured).

        Raises:
            ValueError: If the center loss is configured and no
                ``center_feats`` are given (e.g. under ``Recognizer2D``).
        """
        feats = self.frame_features(feats, num_segs)
        if valid_mask is None:
            valid_mask = feats.new_ones(feats.shape[:2])
        outs = self(feats, valid_mask)
        losses = self.loss_by_feat(outs['video_scores'], data_samples)
        labels = gt_labels(data_samples, feats.device)  # [N]
        frame_labels = labels.unsqueeze(1).expand_as(valid_mask)  # [N, T]
        valid = valid_mask.bool()
        losses['loss_frame'] = self.loss_frame(outs['frame_scores'][valid],
                                               frame_labels[valid])
        if image_feats is not None and len(image_feats):
            losses['loss_image'] = self.loss_image(
                self.classify_frames(image_feats),
                gt_labels(image_samples, feats.device))
        if self.loss_center is not None:
            if center_feats is None:
                raise ValueError(
                    'the center loss needs center_feats (the features that '
                    'form the class centers), which KGARecognizer passes; '
                    'under another recognizer (e.g. Recognizer2D) leave '
                    'loss_center and loss_coherence unset')
            losses['loss_center'] = self.loss_center(center_feats,
                                                     center_labels)
        if self.loss_coherence is not None:
            # distances of each frame to its own class center; the centers
            # are detached so the coherence loss does not move them
            distances = center_distances(
                feats, self.centers.detach(),
                squared=self.loss_coherence.squared_distances)  # [N, T, K]
            own = distances.gather(
                2, frame_labels.unsqueeze(-1)).squeeze(-1)  # [N, T]
            losses['loss_coherence'] = self.loss_coherence(
                outs['weights'], own, valid_mask)
        return losses

    def predict(self, feats: Features, data_samples: SampleList,
                valid_mask: Optional[torch.Tensor] = None,
                num_segs: Optional[int] = None,
                **kwargs) -> SampleList:
        """Predict videos; keep per-frame weights and center distances.

        Args:
            feats (torch.Tensor): Frame features, ``[N, T, C]``, or feature
                maps ``[N * num_segs, C, h, w]`` (see
                :meth:`frame_features`; at test time ``Recognizer2D`` counts
                every clip and crop of a video as a segment, so the
                attention weighs all of them).
            data_samples (list[ActionDataSample]): The N video samples.
            valid_mask (torch.Tensor, optional): ``[N, T]``.
            num_segs (int, optional): Segments per video of feature maps.

        Returns:
            list[ActionDataSample]: Samples with ``pred_score``,
            ``pred_label``, ``pred_logits`` ``[K]`` (the video scores
            before softmax, which still order videos where the
            probabilities round to 1.0), ``frame_weights`` ``[T]``,
            ``frame_scores`` ``[T, K]`` and, when the head has centers,
            ``center_distances`` ``[T, K]`` (L2 distance of each real frame
            to every class center).
        """
        feats = self.frame_features(feats, num_segs)
        if valid_mask is None:
            valid_mask = feats.new_ones(feats.shape[:2])
        outs = self(feats, valid_mask)
        data_samples = self.predict_by_feat(outs['video_scores'],
                                            data_samples)
        distances = (center_distances(feats, self.centers)
                     if self.centers is not None else None)  # [N, T, K]
        for i, sample in enumerate(data_samples):
            valid = valid_mask[i].bool()
            sample.pred_logits = outs['video_scores'][i].detach()
            sample.frame_weights = outs['weights'][i][valid].detach()
            sample.frame_scores = outs['frame_scores'][i][valid].softmax(
                -1).detach()
            if distances is not None:
                sample.center_distances = distances[i][valid].detach()
        return data_samples

