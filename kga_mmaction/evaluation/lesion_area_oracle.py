"""The lesion-area oracle: a model's own frame features, weighted at test
time by the annotated lesion area of each frame instead of by the model.

It bounds what any frame selection can gain on top of a model's features.
Applied to the frame-averaging model ("w/o coherence loss & attention",
``FrameAttentionHead(aggregation='frame_mean')``) it needs no retraining: its
prediction files hold each frame's video-classifier logits
(``frame_video_logits``) and lesion areas (``frame_lesion_areas``), and
:meth:`VideoPrediction.reweighted` rescores a video exactly from them.
"""
from typing import List

from .prediction_reader import load_predictions
from .video_prediction import VideoPrediction


def lesion_area_oracle(prediction: VideoPrediction) -> VideoPrediction:
    """The prediction with the frames weighted by their lesion areas.

    The areas are normalised to sum 1; a video without any annotated
    lesion among its frames (areas all 0) keeps the uniform weights, i.e.
    the frame average (:func:`~kga_mmaction.evaluation.functional.
    normalised_frame_weights`).

    Args:
        prediction (VideoPrediction): With ``frame_video_logits`` and
            ``frame_lesion_areas``.

    Returns:
        VideoPrediction: :meth:`VideoPrediction.reweighted` by the areas.

    Raises:
        ValueError: If the prediction lacks either field (the message says
            how to get them).
    """
    if prediction.frame_lesion_areas is None:
        raise ValueError(
            f'{prediction.source}: no frame_lesion_areas; list '
            "'lesion_areas' and 'frame_inds' in the test pipeline's "
            'PackActionInputs(meta_keys=...) and run tools/test.py '
            '--out-predictions again')
    return prediction.reweighted(prediction.frame_lesion_areas)


def load_lesion_area_oracle(path: str) -> List[VideoPrediction]:
    """The lesion-area oracle of every prediction of a file.

    Args:
        path (str): A :class:`DumpPredictions` file of a model with
            ``FrameAttentionHead`` (``frame_video_logits``).

    Returns:
        list[VideoPrediction]: :func:`lesion_area_oracle` of each video, in
        the file's order.

    Raises:
        ValueError: Naming ``path`` and the video, if a video lacks
            ``frame_video_logits`` or ``frame_lesion_areas``.
    """
    try:
        return [lesion_area_oracle(p) for p in load_predictions(path)]
    except ValueError as err:
        raise ValueError(f'{path}: {err}') from None
