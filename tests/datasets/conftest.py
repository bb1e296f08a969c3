"""Miniature BUSV and BUSI trees in the released layouts.

The real datasets cannot be downloaded here; these trees reproduce their
layouts (see the project's notes on the datasets) at a few tiny frames per
video:

* BUSV: ``rawframes/<class>/<video_id>/NNNNNN.png`` plus the CocoVID JSONs,
  either at the root (``imagenet_vid_*.json``) or under ``annotations/``
  (``instances_imagenet_vid_*.json``). Ids of 15 and 16 characters, some
  with a leading ``x``; a non-square video and a 670x670 one; every errata
  and leak id of ``busv_dataset`` so that the clean variant visibly acts.
* BUSI: ``Dataset_BUSI_with_GT/<class>/<class> (<n>).png`` with masks,
  ``benign (1)`` next to ``benign (10)``, extra ``_mask_1``/``_mask_2``
  files and every channel mode the real images come in.

Frame pixels encode the frame index (red = 10 * index in the top-left
quarter, green = 100, blue = 200) so a test can tell which frame was decoded
and in which channel order. The rest of the red channel is noise drawn from
the video's folder and the frame index: frames are not blank, and no two
videos share a frame (the deep check reports both).

Tests reach the builders, tables and :func:`clip_pipeline` through the
``mini`` fixture (this module's names), which works under every pytest
import mode.
"""
import json
import os
import os.path as osp
import shutil
import types
import zlib
from typing import Optional

import numpy as np
import pytest
from PIL import Image

import kga_mmaction  # noqa: F401  (patches mmaction, registers modules)
from kga_mmaction.synthetic import make_synthetic_busv
from mmengine.registry import init_default_scope

#: (name, number of frames, (height, width)) of the train JSON's videos.
BUSV_TRAIN = (
    ('benign/x28f299ceb056964c', 4, (32, 32)),
    ('benign/2390fbea047347b', 3, (32, 48)),  # 15 chars, non-square
    ('benign/x66ef02e7f1b9a0ef', 2, (32, 32)),  # errata: duplicate
    ('benign/x63c9ba1377f35bf6', 2, (32, 32)),  # errata: malignant
    ('benign/x1282311c38f808f', 2, (32, 32)),  # leaks into val
    ('benign/786ebd9dada09453', 2, (32, 32)),  # cross-class pair
    ('malignant/3f88a121e5e77ebe', 2, (32, 32)),  # cross-class pair
    ('malignant/x3b88488853e8b7d1', 3, (32, 32)),
)
#: The val JSON's videos.
BUSV_VAL = (
    ('benign/x5a1c46ec6377e946', 2, (32, 32)),  # errata: malignant
    ('benign/0a1b2c3d4e5f6a7b', 3, (32, 32)),
    ('malignant/x9c1c965d274c457', 3, (32, 32)),
    ('malignant/x0f1e2d3c4b5a6978', 2, (670, 670)),
)
BUSV_JSON_NAMES = {
    'root': {
        'train': 'imagenet_vid_train_15frames.json',
        'val': 'imagenet_vid_val.json'
    },
    'annotations': {
        'train': 'annotations/instances_imagenet_vid_train_15frames.json',
        'val': 'annotations/instances_imagenet_vid_val.json'
    },
}


def frame_pixels(index: int, height: int, width: int,
                 video: str = '') -> np.ndarray:
    """RGB frame whose red channel is 10 * index in the top-left quarter
    and noise of ``video`` and ``index`` elsewhere."""
    rng = np.random.default_rng([zlib.crc32(video.encode()), index])
    frame = np.empty((height, width, 3), dtype=np.uint8)
    frame[..., 0] = rng.integers(0, 256, (height, width), dtype=np.uint8)
    frame[:height // 2, :width // 2, 0] = (10 * index) % 256
    frame[..., 1] = 100
    frame[..., 2] = 200
    return frame


def write_busv_frames(frame_dir: str, frames, height: int, width: int) -> None:
    """Write ``NNNNNN.png`` frames with the given indices."""
    os.makedirs(frame_dir, exist_ok=True)
    video = osp.basename(osp.normpath(frame_dir))
    for index in frames:
        Image.fromarray(frame_pixels(index, height, width, video)).save(
            osp.join(frame_dir, f'{index:06d}.png'))


def cocovid(videos, frames_of=None) -> dict:
    """CocoVID JSON listing every frame of ``videos``.

    Args:
        videos: ``(name, num_frames, (h, w))`` tuples.
        frames_of (dict, optional): name -> frame indices, overriding
            ``range(num_frames)``.
    """
    frames_of = frames_of or {}
    data = dict(
        categories=[dict(id=1, name='benign'),
                    dict(id=2, name='malignant')],
        videos=[],
        images=[],
        annotations=[])
    for video_id, (name, num_frames, (height, width)) in enumerate(
            videos, start=1):
        data['videos'].append(dict(id=video_id, name=name))
        category = 1 if name.startswith('benign/') else 2
        for frame in frames_of.get(name, range(num_frames)):
            image_id = len(data['images']) + 1
            data['images'].append(
                dict(
                    file_name=f'{name}/{frame:06d}.png',
                    height=height,
                    width=width,
                    id=image_id,
                    frame_id=frame,
                    video_id=video_id,
                    is_vid_train_frame=frame < 15))
            data['annotations'].append(
                dict(
                    id=image_id,
                    video_id=video_id,
                    image_id=image_id,
                    category_id=category,
                    bbox=[2, 2, 10, 8],
                    area=80,
                    iscrowd=False))
    return data


def build_busv(root: str, json_location: str = 'root') -> str:
    """Write the miniature BUSV tree under ``root``; return ``root``."""
    for name, num_frames, (height, width) in BUSV_TRAIN + BUSV_VAL:
        write_busv_frames(
            osp.join(root, 'rawframes', name), range(num_frames), height,
            width)
    for split, videos in (('train', BUSV_TRAIN), ('val', BUSV_VAL)):
        write_busv_json(root, split, cocovid(videos), json_location)
    return root


def busv_json_path(root: str, split: str, json_location: str = 'root') -> str:
    return osp.join(root, BUSV_JSON_NAMES[json_location][split])


def write_busv_json(root: str,
                    split: str,
                    data: dict,
                    json_location: str = 'root') -> str:
    path = busv_json_path(root, split, json_location)
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(data, f)
    return path


def read_busv_json(root: str, split: str, json_location: str = 'root') -> dict:
    with open(busv_json_path(root, split, json_location)) as f:
        return json.load(f)


def edit_busv_json(root: str, split: str, edit) -> dict:
    """Apply ``edit`` to the parsed JSON of ``split`` (at the root or under
    ``annotations/``) and write it back; return it."""
    from kga_mmaction.datasets.busv.layout import find_busv_annotation
    path = find_busv_annotation(root, split)
    with open(path) as f:
        data = json.load(f)
    edit(data)
    with open(path, 'w') as f:
        json.dump(data, f)
    return data


def busv_videos(root: str, split: str) -> list:
    """``<class>/<video_id>`` of the videos of a JSON, in its order."""
    names = []
    edit_busv_json(root, split, lambda data: names.extend(
        v['name'] for v in data['videos']))
    return names


def copy_busv_video(root: str, source: str, target: str, split: str) -> None:
    """Copy the frame folder ``source`` (``<class>/<video_id>``) to
    ``target`` and list the copy in the JSON of ``split``, with new image
    and video ids: a video copied into another class or split (frames of
    40x40, as ``generated_busv`` writes them)."""
    raw = osp.join(root, 'rawframes')
    shutil.copytree(osp.join(raw, source), osp.join(raw, target))
    frames = sorted(os.listdir(osp.join(raw, target)))

    def add(data):
        video_id = max(v['id'] for v in data['videos']) + 1
        data['videos'].append(dict(id=video_id, name=target))
        first_id = max(i['id'] for i in data['images']) + 1
        for k, frame in enumerate(frames):
            data['images'].append(
                dict(file_name=f'{target}/{frame}', height=40, width=40,
                     id=first_id + k, frame_id=k, video_id=video_id))

    edit_busv_json(root, split, add)


#: (class, stem, PIL mode, (width, height), number of extra masks).
BUSI_IMAGES = (
    ('benign', 'benign (1)', 'L', (30, 20), 0),
    ('benign', 'benign (10)', 'RGB', (36, 28), 0),
    ('benign', 'benign (2)', 'RGBA', (24, 24), 1),
    ('benign', 'benign (3)', 'I;16', (20, 30), 0),
    ('malignant', 'malignant (1)', 'RGB', (40, 24), 0),
    ('malignant', 'malignant (2)', 'LA', (22, 26), 2),
    ('malignant', 'malignant (3)', 'P', (26, 22), 0),
    ('normal', 'normal (1)', 'L', (28, 28), 0),
)


def busi_pixels(mode: str, size) -> Image.Image:
    """A small image in ``mode``."""
    width, height = size
    gray = (np.arange(height * width).reshape(height, width) % 200 +
            20).astype(np.uint8)
    if mode == 'I;16':
        return Image.fromarray(gray.astype(np.uint16) * 257)
    return Image.fromarray(gray).convert(mode)


def build_busi(parent: str) -> str:
    """Write ``parent/Dataset_BUSI_with_GT``; return that folder."""
    root = osp.join(parent, 'Dataset_BUSI_with_GT')
    for class_name, stem, mode, size, extra_masks in BUSI_IMAGES:
        class_dir = osp.join(root, class_name)
        os.makedirs(class_dir, exist_ok=True)
        busi_pixels(mode, size).save(osp.join(class_dir, f'{stem}.png'))
        mask = Image.new('L', size, 0)
        mask.save(osp.join(class_dir, f'{stem}_mask.png'))
        for k in range(1, extra_masks + 1):
            mask.save(osp.join(class_dir, f'{stem}_mask_{k}.png'))
    return root


def clip_pipeline(num_clips: int,
                  decode: str = 'RawFrameDecode',
                  init: Optional[str] = None) -> list:
    """Test-mode pipeline: ``num_clips`` single frames, decoded by
    ``decode`` (after ``init``, e.g. ``'DecordInit'``, when given), resized
    to 16x16 and packed as ``[num_clips, 3, 16, 16]``."""
    pipeline = [] if init is None else [dict(type=init)]
    return pipeline + [
        dict(
            type='SampleFrames',
            clip_len=1,
            frame_interval=1,
            num_clips=num_clips,
            test_mode=True),
        dict(type=decode),
        dict(type='Resize', scale=(16, 16), keep_ratio=False),
        dict(type='FormatShape', input_format='NCHW'),
        dict(type='PackActionInputs'),
    ]


@pytest.fixture(scope='session')
def mini() -> types.SimpleNamespace:
    """The builders and tables of this module."""
    return types.SimpleNamespace(
        **{
            name: value
            for name, value in globals().items() if not name.startswith('_')
        })


@pytest.fixture(autouse=True, scope='session')
def mmaction_scope():
    """Build transforms from config dicts in MMAction2's scope."""
    init_default_scope('mmaction')


@pytest.fixture
def busv_root(tmp_path) -> str:
    """Miniature BUSV with the JSONs at the root, as released."""
    return build_busv(str(tmp_path / 'busv'))


@pytest.fixture
def busv_root_annotations(tmp_path) -> str:
    """Miniature BUSV with the JSONs under ``annotations/``."""
    return build_busv(str(tmp_path / 'busv_ann'), json_location='annotations')


@pytest.fixture
def busi_root(tmp_path) -> str:
    """Miniature ``Dataset_BUSI_with_GT`` folder."""
    return build_busi(str(tmp_path / 'busi'))


@pytest.fixture(scope='session')
def _generated_busv(tmp_path_factory) -> str:
    root = str(tmp_path_factory.mktemp('generated') / 'busv')
    make_synthetic_busv(root, num_benign=2, num_malignant=2, frames=(4, 5),
                        size=(40, 40), vary_size=False, val_fraction=0.5,
                        progress=False)
    return root


@pytest.fixture
def generated_busv(_generated_busv, tmp_path) -> str:
    """A copy, free to damage, of a small BUSV that
    ``tools/data/make_synthetic.py`` writes (2 videos per class, one of
    each in either JSON, 4-5 frames of 40x40)."""
    return shutil.copytree(_generated_busv, str(tmp_path / 'generated_busv'))
