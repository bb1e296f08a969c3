"""Frame attention head of KGA-Net (Sun et al., MICCAI 2023, section 3.1)."""
import warnings
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmaction.models.heads import BaseHead
from mmaction.registry import MODELS
from mmaction.utils import ConfigType, OptConfigType, SampleList
from mmengine.model.weight_init import normal_init

from ...sources import IMAGE, VIDEO
from ..losses import center_distances
from ..utils import float32, gt_labels

#: One tensor of frame features or feature maps (see
#: :meth:`FrameAttentionHead.frame_features`), or what
#: :class:`KGARecognizer` hands over: ``{'video': [N, T, C],
#: 'image': [M, C] | None}``.
Features = Union[torch.Tensor, Sequence[torch.Tensor],
                 Dict[str, Optional[torch.Tensor]]]


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

    The head also owns the two KGA-Net losses and decides what they see:
    the center loss, whose learnable ``centers`` are the class feature
    centers, formed from the keyframe images or from the video frames
    (``center_source``), and the coherence loss, which pulls ``1 - w``
    towards the frames' distances to the centers of their own class (eqs.
    2-3). Either may be left out (ablations). It computes in float32, also
    under mixed precision (:func:`~kga_mmaction.models.utils.float32` on
    ``forward``, ``loss`` and ``predict``).

    Three kinds of input are accepted (see :meth:`frame_features`):

    * :class:`KGARecognizer`'s features ``{'video': [N, T, C], 'image':
      [M, C] | None}`` with ``valid_mask`` ``[N, T]``, and the data samples
      of the N videos followed by those of the M images;
    * pooled frame features ``[N, T, C]``, with optional ``valid_mask``;
    * backbone feature maps ``[N * num_segs, C, h, w]`` with ``num_segs``,
      as MMAction2's ``Recognizer2D`` passes them to ``TSNHead``: each map is
      averaged spatially and the segments of a video are attended over
      instead of averaged (attention-pooled TSN). ``Recognizer2D`` passes no
      images, so ``loss_image`` is left out, each segment is labelled as its
      video for ``loss_frame`` (which trains the frame classifier behind
      ``frame_scores``), and a center loss needs
      ``center_source='video'``.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Feature dimension ``C`` of each frame.
        aggregation (str): How the frames make ``F_V``:
            ``'attention_mean'`` for ``sum_i w_i F_i / T`` (released code;
            the video scores do not depend on the number of frames),
            ``'attention_sum'`` for ``sum_i w_i F_i`` (the paper's formula;
            its scale grows with ``T``), ``'attention_normalized'`` for
            ``sum_i w_i F_i / sum_i w_i`` (a stabiliser: the attention sets
            only the relative weight of a frame, so the video CE cannot
            shrink ``F_V`` by shrinking every ``w``;
            ``results/attention_collapse.md``), or ``'frame_mean'`` for the
            plain frame average without attention (the "w/o coherence loss
            & attention" ablation). The former names ``'mean'``, ``'sum'``,
            ``'normalized'`` and ``'avg'`` still work, with a
            ``FutureWarning`` (:data:`DEPRECATED_AGGREGATIONS`).
            Defaults to ``'attention_mean'``.
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
        center_logits (bool): Subtract from each frame's attention logit
            the mean over its video's real frames before the sigmoid,
            ``w_i = sigmoid(z_i - mean_j z_j)``: a stabiliser that pins the
            level of the weights (a video's weights then average near 0.5),
            which ``'attention_normalized'`` aggregation leaves free, so
            that
            neither the video CE nor the coherence loss can push every
            weight to 0 or 1 together (``results/attention_collapse.md``).
            Defaults to False (eq. 1).
        center_source (str): Which features form the class centers of the
            center loss: ``'image'`` (KGA-Net: the keyframe images of each
            batch) or ``'video'`` (every real frame of the batch's videos;
            the "w/o image guidance" ablation). Only a head with
            ``loss_center`` uses it: without one, training batches need no
            images either way. Defaults to ``'image'``.
        topk (tuple[int]): Top-k accuracies logged in training.
            Defaults to ``(1, )``.
        average_clips (str): ``'prob'`` makes ``pred_score`` the softmax
            probabilities. Defaults to ``'prob'``.
        kwargs: Other :class:`BaseHead` arguments.
    """

    AGGREGATIONS = ('attention_sum', 'attention_mean',
                    'attention_normalized', 'frame_mean')
    #: Former aggregation names and what they mean. ``'mean'`` was the
    #: attention-weighted mean, not the plain frame mean (``'avg'``).
    DEPRECATED_AGGREGATIONS = dict(
        sum='attention_sum', mean='attention_mean',
        normalized='attention_normalized', avg='frame_mean')
    CENTER_SOURCES = (IMAGE, VIDEO)

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 aggregation: str = 'attention_mean',
                 dropout_ratio: float = 0.,
                 init_std: float = 0.01,
                 loss_cls: ConfigType = dict(type='CrossEntropyLoss'),
                 loss_frame: ConfigType = dict(
                     type='CrossEntropyLoss', loss_weight=0.5),
                 loss_image: ConfigType = dict(
                     type='CrossEntropyLoss', loss_weight=0.5),
                 loss_center: OptConfigType = None,
                 loss_coherence: OptConfigType = None,
                 center_logits: bool = False,
                 center_source: str = IMAGE,
                 topk: tuple = (1, ),
                 average_clips: str = 'prob',
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, loss_cls=loss_cls,
                         topk=topk, average_clips=average_clips, **kwargs)
        if aggregation in self.DEPRECATED_AGGREGATIONS:
            renamed = self.DEPRECATED_AGGREGATIONS[aggregation]
            warnings.warn(
                f'FrameAttentionHead(aggregation={aggregation!r}) is '
                f'deprecated: it is now named {renamed!r}' +
                (" (the plain frame mean, without attention, is "
                 "'frame_mean')" if aggregation == 'mean' else ''),
                FutureWarning)
            aggregation = renamed
        if aggregation not in self.AGGREGATIONS:
            raise ValueError(f'Unknown aggregation {aggregation!r}; choose '
                             f'one of {self.AGGREGATIONS}')
        if center_source not in self.CENTER_SOURCES:
            raise ValueError(f'Unknown center_source {center_source!r}; '
                             f'choose one of {self.CENTER_SOURCES}')
        self.aggregation = aggregation
        self.center_logits = center_logits
        self.center_source = center_source
        self.loss_frame = MODELS.build(loss_frame)
        self.loss_image = MODELS.build(loss_image)
        self.init_std = init_std
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio else None
        self.fc_attention = (nn.Linear(in_channels, 1)
                             if aggregation != 'frame_mean' else None)
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

    def frame_features(
            self,
            feats: Features,
            num_segs: Optional[int] = None,
            valid_mask: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Frame features ``[N, T, C]`` and their valid mask from any input.

        Args:
            feats (torch.Tensor | dict): Pooled frame features ``[N, T, C]``
                (``num_segs`` None), backbone feature maps
                ``[N * num_segs, C, h, w]`` (``Recognizer2D``), or a dict
                whose ``'video'`` is the former (:class:`KGARecognizer`).
            num_segs (int, optional): Segments per video of 4-D maps.
                Defaults to None.
            valid_mask (torch.Tensor, optional): 1 for real frames, 0 for
                padding, ``[N, T]``. Defaults to None: every frame is real
                (feature maps and unpadded clips have no padding).

        Returns:
            tuple[torch.Tensor, torch.Tensor]: ``[N, T, C]`` (``T =
            num_segs`` for maps) and the ``[N, T]`` mask.

        Raises:
            ValueError: For any other input (a tuple, another number of
                dimensions, a batch that ``num_segs`` does not divide), or
                ``C`` other than ``in_channels``; the message names the
                shape received and the shapes accepted.
        """
        if isinstance(feats, dict):
            feats = feats[VIDEO]
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
        if valid_mask is None:
            valid_mask = frames.new_ones(frames.shape[:2])  # [N, T]
        return frames, valid_mask

    def frame_weights(self, feats: torch.Tensor,
                      valid_mask: torch.Tensor) -> torch.Tensor:
        """Attention weight of every frame (eq. 1); 0 on padding.

        Args:
            feats (torch.Tensor): Frame features, shape ``[N, T, C]``.
            valid_mask (torch.Tensor): 1 for real frames, shape ``[N, T]``.

        Returns:
            torch.Tensor: Weights in [0, 1], shape ``[N, T]``. Without
            attention (``'frame_mean'``) every real frame weighs
            ``1 / T_valid``.
        """
        mask = valid_mask.to(feats.dtype)
        if self.fc_attention is None:
            return mask / mask.sum(dim=1, keepdim=True).clamp(min=1)
        return torch.sigmoid(self.attention_logits(feats, valid_mask)) * mask

    def attention_logits(self, feats: torch.Tensor,
                         valid_mask: torch.Tensor) -> torch.Tensor:
        """What the sigmoid of eq. 1 sees: ``FC(F_i)``, minus its mean over
        the video's real frames with ``center_logits``.

        Args:
            feats (torch.Tensor): Frame features, shape ``[N, T, C]``.
            valid_mask (torch.Tensor): 1 for real frames, shape ``[N, T]``.

        Returns:
            torch.Tensor: Shape ``[N, T]`` (padding included).
        """
        logits = self.fc_attention(feats).squeeze(-1)  # [N, T, 1] -> [N, T]
        if self.center_logits:
            mask = valid_mask.to(feats.dtype)
            # [N, T] -> [N, 1]: mean over the real frames of each video
            mean = (logits * mask).sum(1, keepdim=True) / mask.sum(
                1, keepdim=True).clamp(min=1)
            logits = logits - mean
        return logits

    @float32
    def forward(self,
                feats: Features,
                valid_mask: Optional[torch.Tensor] = None,
                num_segs: Optional[int] = None,
                **kwargs) -> Dict[str, torch.Tensor]:
        """Attend over frames and score the video and every frame.

        Args:
            feats (torch.Tensor | dict): Frame features ``[N, T, C]``,
                feature maps ``[N * num_segs, C, h, w]`` or
                :class:`KGARecognizer`'s dict, whose images are not scored
                (see :meth:`frame_features`).
            valid_mask (torch.Tensor, optional): 1 for real frames, 0 for
                padding, shape ``[N, T]``. Defaults to all frames valid.
            num_segs (int, optional): Segments per video of feature maps.
                Defaults to None.

        Returns:
            dict: ``video_scores`` ``[N, K]``, ``frame_scores``
            ``[N, T, K]`` and ``weights`` ``[N, T]``.
        """
        feats, valid_mask = self.frame_features(feats, num_segs, valid_mask)
        weights = self.frame_weights(feats, valid_mask)  # [N, T]
        # [N, T, 1] * [N, T, C] -> [N, C]
        video_feat = (weights.unsqueeze(-1) * feats).sum(dim=1)
        if self.aggregation == 'attention_mean':
            video_feat = video_feat / valid_mask.sum(1, keepdim=True).clamp(
                min=1).to(feats.dtype)
        elif self.aggregation == 'attention_normalized':
            # [N, T] -> [N, 1]; all-zero weights give F_V = 0, not NaN
            video_feat = video_feat / weights.sum(1, keepdim=True).clamp(
                min=torch.finfo(weights.dtype).tiny)
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

    @float32
    def loss(self, feats: Features, data_samples: SampleList,
             valid_mask: Optional[torch.Tensor] = None,
             num_segs: Optional[int] = None,
             **kwargs) -> Dict[str, torch.Tensor]:
        """All KGA-Net loss terms (eq. 4), each under its own key.

        Args:
            feats (torch.Tensor | dict): :class:`KGARecognizer`'s
                ``{'video': [N, T, C], 'image': [M, C] | None}``, or video
                features alone: ``[N, T, C]`` or feature maps
                ``[N * num_segs, C, h, w]`` (see :meth:`frame_features`).
            data_samples (list[ActionDataSample]): The N video samples,
                then the M image samples.
            valid_mask (torch.Tensor, optional): ``[N, T]``.
            num_segs (int, optional): Segments per video of feature maps.

        Returns:
            dict: ``loss_cls`` (video CE ``L_CE^V``, with ``top1_acc``),
            ``loss_frame`` (frame-level CE), ``loss_image`` (``L_CE^I``, when
            images are given), ``loss_center`` and ``loss_coherence`` (when
            configured).

        Raises:
            ValueError: If the center loss forms its centers from images
                and the batch holds none (see :meth:`center_features`).
        """
        frames, valid_mask = self.frame_features(feats, num_segs, valid_mask)
        image_feats = feats.get(IMAGE) if isinstance(feats, dict) else None
        video_samples = data_samples[:frames.shape[0]]
        image_samples = data_samples[frames.shape[0]:]
        labels = gt_labels(video_samples, frames.device)  # [N]
        frame_labels = labels.unsqueeze(1).expand_as(valid_mask)  # [N, T]
        valid = valid_mask.bool()
        image_labels = (gt_labels(image_samples, frames.device)
                        if image_feats is not None else None)  # [M]
        # only a center loss needs center features (and then, by default,
        # images): without one a video-only batch trains as it is
        centered = (self.center_features(frames[valid], frame_labels[valid],
                                         image_feats, image_labels)
                    if self.loss_center is not None else None)
        outs = self(frames, valid_mask)
        losses = self.loss_by_feat(outs['video_scores'], video_samples)
        losses['loss_frame'] = self.loss_frame(outs['frame_scores'][valid],
                                               frame_labels[valid])
        if image_feats is not None and len(image_feats):
            losses['loss_image'] = self.loss_image(
                self.classify_frames(image_feats), image_labels)
        if centered is not None:
            losses['loss_center'] = self.loss_center(*centered)
        if self.loss_coherence is not None:
            # distances of each frame to its own class center; the centers
            # are detached so the coherence loss does not move them
            distances = center_distances(
                frames, self.centers.detach(),
                squared=self.loss_coherence.squared_distances)  # [N, T, K]
            own = distances.gather(
                2, frame_labels.unsqueeze(-1)).squeeze(-1)  # [N, T]
            losses['loss_coherence'] = self.loss_coherence(
                outs['weights'], own, valid_mask)
        return losses

    def center_features(
        self, frames: torch.Tensor, frame_labels: torch.Tensor,
        image_feats: Optional[torch.Tensor],
        image_labels: Optional[torch.Tensor]
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """The features that form the class centers, and their labels.

        Args:
            frames (torch.Tensor): The real video frames, ``[N * T_valid,
                C]``.
            frame_labels (torch.Tensor): Their videos' labels, ``[N *
                T_valid]``.
            image_feats (torch.Tensor, optional): ``[M, C]``.
            image_labels (torch.Tensor, optional): ``[M]``.

        Returns:
            tuple[torch.Tensor, torch.Tensor]: The images and their labels
            (``center_source='image'``) or the frames and theirs
            (``'video'``).

        Raises:
            ValueError: If ``center_source`` is ``'image'`` and there are
                no images.
        """
        if self.center_source == VIDEO:
            return frames, frame_labels
        if image_feats is None:
            raise ValueError(
                "The center loss with center_source='image' needs images "
                'in every training batch (the class centers are formed '
                'from keyframe images): train a KGARecognizer on a '
                'MixedVideoImageDataset (Recognizer2D passes no images), or '
                "set cls_head.center_source='video' (centers from the video "
                'frames)')
        return image_feats, image_labels

    @float32
    def predict(self, feats: Features, data_samples: SampleList,
                valid_mask: Optional[torch.Tensor] = None,
                num_segs: Optional[int] = None,
                **kwargs) -> SampleList:
        """Predict videos; keep per-frame weights, logits and distances.

        ``fc_cls`` is linear and dropout is off at test time, so for
        weights ``a_i`` that sum to 1, ``fc_cls(sum_i a_i F_i) = sum_i a_i
        fc_cls(F_i)``: ``frame_video_logits`` score any normalised
        reweighting of the frames offline
        (:func:`~kga_mmaction.evaluation.functional.reweighted_logits`).
        With ``'frame_mean'`` the uniform reweighting gives ``pred_logits``
        exactly. ``'attention_mean'`` and ``'attention_sum'`` classify
        ``sum_i w_i F_i / T`` and ``sum_i w_i F_i``, whose weights
        ``w_i / T`` and ``w_i`` do not sum to 1, so their ``pred_logits``
        are no reweighting of ``frame_video_logits``; offline rescoring
        always normalises.

        Args:
            feats (torch.Tensor | dict): Frame features ``[N, T, C]``,
                feature maps ``[N * num_segs, C, h, w]`` (at test time
                ``Recognizer2D`` counts every clip and crop of a video as a
                segment, so the attention weighs all of them) or
                :class:`KGARecognizer`'s dict without images (see
                :meth:`frame_features`).
            data_samples (list[ActionDataSample]): The N video samples.
            valid_mask (torch.Tensor, optional): ``[N, T]``.
            num_segs (int, optional): Segments per video of feature maps.

        Returns:
            list[ActionDataSample]: Samples with ``pred_score``,
            ``pred_label``, ``pred_logits`` ``[K]`` (the video scores
            before softmax, which still order videos where the
            probabilities round to 1.0), ``frame_weights`` ``[T]``,
            ``frame_scores`` ``[T, K]``, ``frame_video_logits`` ``[T, K]``
            (``fc_cls`` of each real frame alone, before softmax) and,
            when the head has centers,
            ``center_distances`` ``[T, K]`` (L2 distance of each real frame
            to every class center).

        Raises:
            ValueError: If ``feats`` holds image features.
        """
        if isinstance(feats, dict) and feats.get(IMAGE) is not None:
            raise ValueError('FrameAttentionHead predicts videos only; the '
                             'test data holds still images')
        feats, valid_mask = self.frame_features(feats, num_segs, valid_mask)
        outs = self(feats, valid_mask)
        data_samples = self.predict_by_feat(outs['video_scores'],
                                            data_samples)
        distances = (center_distances(feats, self.centers)
                     if self.centers is not None else None)  # [N, T, K]
        # [N, T, C] -> [N, T, K]
        frame_video_logits = self._classify(self.fc_cls, feats)
        for i, sample in enumerate(data_samples):
            valid = valid_mask[i].bool()
            sample.pred_logits = outs['video_scores'][i].detach()
            sample.frame_weights = outs['weights'][i][valid].detach()
            sample.frame_scores = outs['frame_scores'][i][valid].softmax(
                -1).detach()
            sample.frame_video_logits = frame_video_logits[i][valid].detach()
            if distances is not None:
                sample.center_distances = distances[i][valid].detach()
        return data_samples
