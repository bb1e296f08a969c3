"""Edits of a data pipeline by step type, for configs that change their
base's pipelines.

A config that names the step it changes (``update_step(pipeline,
'SampleFrames', num_clips=8)``) keeps working when its base gains a step;
one that slices by position (``pipeline[2:]``) silently shifts. A config
imports these functions after its ``_base_`` line::

    _base_ = './busv_busi_mixed.py'
    from kga_mmaction.datasets.pipeline_edits import image_pipeline

mmengine runs a config file as Python with ``_base_`` bound and keeps its
data, leaving out imported functions, so the resolved and dumped config
holds plain transform dicts. (An import *before* ``_base_`` makes mmengine
read the file as a pure-Python "lazy" config, which cannot inherit from
these.) Functions defined in a config file would not reach its children,
hence this module. Every function returns new lists of copied steps.

A pipeline has three parts: loading (sampling and decoding, up to the first
of :data:`DECODE_TRANSFORMS`), preprocessing (resizing, cropping,
flipping) and formatting (from the first of :data:`FORMAT_TRANSFORMS`).
"""
import copy
from typing import List, Mapping, Sequence, Tuple, Union

#: Transforms that decode frames (or load an image as frames) into
#: ``results['imgs']``: a pipeline's loading ends with the first of them.
DECODE_TRANSFORMS = ('RawFrameDecode', 'DecordDecode', 'PyAVDecode',
                     'PIMSDecode', 'OpenCVDecode', 'LoadImageAsFrames')
#: Transforms that format and pack frames: a pipeline's formatting starts
#: with the first of them.
FORMAT_TRANSFORMS = ('FormatShape', 'PackActionInputs',
                     'PackImageClassificationInputs')
#: Transforms that pick a video's frames.
SAMPLE_TRANSFORMS = ('SampleFrames', 'SampleUpToFrames')

Pipeline = Sequence[dict]
StepTypes = Union[str, Sequence[str]]


def is_step(step: dict, step_types: StepTypes) -> bool:
    """Whether ``step`` is of ``step_types`` (a type or several)."""
    types = (step_types, ) if isinstance(step_types, str) else step_types
    return step['type'] in types


def step_index(pipeline: Pipeline, step_types: StepTypes) -> int:
    """Position of the first step of ``step_types`` (a type or several).

    Raises:
        ValueError: If there is none, naming the pipeline's steps.
    """
    for i, step in enumerate(pipeline):
        if is_step(step, step_types):
            return i
    types = (step_types, ) if isinstance(step_types, str) else step_types
    raise ValueError(f'no {" or ".join(types)} step in the pipeline '
                     f'{[step["type"] for step in pipeline]}')


def update_step(pipeline: Pipeline, step_type: StepTypes,
                **changes) -> List[dict]:
    """The pipeline with ``changes`` merged into each step of
    ``step_type``.

    Raises:
        ValueError: If no step is of ``step_type``.
    """
    step_index(pipeline, step_type)
    return [
        dict(copy.deepcopy(step), **changes)
        if is_step(step, step_type) else copy.deepcopy(step)
        for step in pipeline
    ]


def replace_step(pipeline: Pipeline, step_type: StepTypes,
                 *steps: dict) -> List[dict]:
    """The pipeline with each step of ``step_type`` replaced by ``steps``
    (none: removed).

    Raises:
        ValueError: If no step is of ``step_type``.
    """
    step_index(pipeline, step_type)
    edited = []
    for step in pipeline:
        edited += copy.deepcopy(
            list(steps) if is_step(step, step_type) else [step])
    return edited


def replace_preprocessing(pipeline: Pipeline, *steps: dict) -> List[dict]:
    """The pipeline with ``steps`` between its loading and its formatting.

    Raises:
        ValueError: If it has no decoding or no formatting step.
    """
    loaded = step_index(pipeline, DECODE_TRANSFORMS) + 1
    formatted = step_index(pipeline, FORMAT_TRANSFORMS)
    return copy.deepcopy(
        [*pipeline[:loaded], *steps, *pipeline[formatted:]])


def image_pipeline(video_pipeline: Pipeline,
                   num_frames: int = 1) -> List[dict]:
    """An image as a clip of ``num_frames`` identical frames
    (``LoadImageAsFrames``) through every step of ``video_pipeline`` after
    its decoding.

    Raises:
        ValueError: If ``video_pipeline`` has no decoding step.
    """
    decoded = step_index(video_pipeline, DECODE_TRANSFORMS) + 1
    return [
        dict(type='LoadImageAsFrames', num_frames=num_frames),
        *copy.deepcopy(list(video_pipeline[decoded:]))
    ]


def clip_pipelines(train_video_pipeline: Pipeline, test_pipeline: Pipeline,
                   clip_len: int, frame_interval: int,
                   test_num_clips: int) -> Tuple[List[dict], List[dict],
                                                 List[dict]]:
    """The pipelines of a config as clips of ``clip_len`` frames
    ``frame_interval`` apart, formatted NCTHW, for 3D models.

    Training samples one clip per video and sees each image as a static
    clip of ``clip_len`` frames (:func:`image_pipeline`); testing samples
    ``test_num_clips`` clips per video, evenly spaced from the first frame
    to the last (``SampleFrames`` in test mode). Decoding and preprocessing
    stay; the pipelines may sample single frames or clips of another shape.

    Args:
        train_video_pipeline (Sequence[dict]): The training video pipeline.
        test_pipeline (Sequence[dict]): The test pipeline.
        clip_len (int): Frames per clip.
        frame_interval (int): Frames between two sampled frames of a clip.
        test_num_clips (int): Clips per test video.

    Returns:
        tuple[list[dict]]: The training video, training image and test
        pipelines.

    Raises:
        ValueError: If a pipeline has no sampling, decoding or
            ``FormatShape`` step.
    """
    clip = dict(type='SampleFrames', clip_len=clip_len,
                frame_interval=frame_interval)

    def as_clips(pipeline: Pipeline, **sampling) -> List[dict]:
        return update_step(
            replace_step(pipeline, SAMPLE_TRANSFORMS, dict(clip, **sampling)),
            'FormatShape', input_format='NCTHW')

    video = as_clips(train_video_pipeline, num_clips=1)
    return (video, image_pipeline(video, num_frames=clip_len),
            as_clips(test_pipeline, num_clips=test_num_clips,
                     test_mode=True))


def clip_protocol(base: Mapping, clip_len: int, frame_interval: int,
                  test_num_clips: int) -> Tuple[List[dict], ...]:
    """Everything a mixed video/image config changes to train and test on
    clips: :func:`clip_pipelines` of its base's ``train_video_pipeline``
    and ``test_pipeline``, and the dataloader settings that point at them
    (merged by mmengine into the base's dataloaders; the test loader is the
    validation loader). A config passes its ``_base_``::

        (train_video_pipeline, train_image_pipeline, test_pipeline,
         train_dataloader, val_dataloader, test_dataloader) = clip_protocol(
             _base_, clip_len, frame_interval, test_num_clips)

    Args:
        base (Mapping): The base config (``_base_``), with the pipelines.
        clip_len (int): Frames per clip.
        frame_interval (int): Frames between two sampled frames of a clip.
        test_num_clips (int): Clips per test video.

    Returns:
        tuple: ``train_video_pipeline``, ``train_image_pipeline``,
        ``test_pipeline``, ``train_dataloader``, ``val_dataloader`` and
        ``test_dataloader``.
    """
    video, image, test = clip_pipelines(base['train_video_pipeline'],
                                        base['test_pipeline'], clip_len,
                                        frame_interval, test_num_clips)
    train = dict(dataset=dict(video=dict(pipeline=copy.deepcopy(video)),
                              image=dict(pipeline=copy.deepcopy(image))))
    val = dict(dataset=dict(pipeline=copy.deepcopy(test)))
    return video, image, test, train, val, copy.deepcopy(val)


def video_only_dataloader(train_dataloader: dict) -> dict:
    """A mixed video/image training loader on its video half alone: the
    same loader settings, the video dataset, no mixed batch sampler
    (``_delete_``: it replaces the base's loader whole).

    Args:
        train_dataloader (dict): The base's mixed training loader.

    Returns:
        dict: The video-only training loader.
    """
    loader = {k: copy.deepcopy(v) for k, v in train_dataloader.items()
              if k not in ('batch_sampler', 'dataset')}
    return dict(loader, _delete_=True,
                dataset=copy.deepcopy(train_dataloader['dataset']['video']))
