"""Per-frame lesion areas of BUSV, read from the boxes of the CocoVID JSONs
(a synthetic BUSV from ``make_synthetic_busv``)."""
import json
import os.path as osp
from collections import defaultdict

import pytest

from kga_mmaction.datasets.busv import BUSVDataset, index_busv_root
from kga_mmaction.datasets.busv.layout import find_busv_annotation
from kga_mmaction.datasets.busv.lesion_areas import box_area
from kga_mmaction.synthetic import make_synthetic_busv


@pytest.fixture
def synthetic_busv(tmp_path) -> str:
    root = str(tmp_path / 'busv')
    make_synthetic_busv(root, num_benign=2, num_malignant=2, frames=(4, 6),
                        size=(16, 16), vary_size=False, val_fraction=0.5,
                        progress=False)
    return root


def json_areas(root: str, split: str) -> dict:
    """``<class>/<video_id>`` -> {frame number: summed w * h of its boxes},
    straight from the JSON."""
    with open(find_busv_annotation(root, split)) as f:
        coco = json.load(f)
    frame_of = {
        image['id']: (osp.dirname(image['file_name']), image['frame_id'])
        for image in coco['images']
    }
    areas = defaultdict(lambda: defaultdict(float))
    for ann in coco['annotations']:
        name, frame = frame_of[ann['image_id']]
        _, _, w, h = ann['bbox']
        areas[name][frame] += w * h
    return areas


def load(root: str, split: str) -> dict:
    dataset = BUSVDataset(root, split=split, serialize_data=False)
    return {
        info['video_name']: info
        for info in (dataset.get_data_info(i) for i in range(len(dataset)))
    }


@pytest.mark.parametrize('split', ['train', 'val'])
def test_one_area_per_frame_equal_to_the_json_boxes(synthetic_busv, split):
    expected = json_areas(synthetic_busv, split)
    infos = load(synthetic_busv, split)
    assert len(infos) == 2
    for name, info in infos.items():
        areas = info['lesion_areas']
        assert len(areas) == info['total_frames']
        assert areas == [
            expected[name].get(frame, 0.)
            for frame in range(info['total_frames'])
        ], name
        assert any(area > 0 for area in areas), name  # the lesion is seen


def test_frames_without_a_box_or_with_an_empty_one_have_area_0(
        synthetic_busv, mini):
    [name, *_] = sorted(load(synthetic_busv, 'val'))

    def edit(coco):
        video = next(v['id'] for v in coco['videos'] if v['name'] == name)
        first, second, third = [
            i['id'] for i in coco['images'] if i['video_id'] == video
        ][:3]
        # frame 0: no box; frame 1: negative width (as ~272 real boxes);
        # frame 2: two boxes, their areas add up
        coco['annotations'] = [
            a for a in coco['annotations'] if a['image_id'] != first
        ]
        for ann in coco['annotations']:
            if ann['image_id'] == second:
                ann['bbox'] = [5, 5, -3, 4]
            if ann['image_id'] == third:
                ann['bbox'] = [1, 1, 2, 3]
        coco['annotations'].append(
            dict(id=10**6, image_id=third, video_id=video, category_id=1,
                 bbox=[4, 4, 5, 2.5]))

    mini.edit_busv_json(synthetic_busv, 'val', edit)
    areas = load(synthetic_busv, 'val')[name]['lesion_areas']
    assert areas[:3] == [0., 0., 2 * 3 + 5 * 2.5]
    assert box_area([5, 5, -3, 4]) == box_area([5, 5, 3, -4]) == 0.


def test_malformed_or_dangling_boxes_are_problems_naming_the_json(
        synthetic_busv, mini):
    def edit(coco):
        coco['annotations'][0]['bbox'] = [1, 2, 3]
        coco['annotations'][1]['image_id'] = -7

    mini.edit_busv_json(synthetic_busv, 'train', edit)
    problems = index_busv_root(synthetic_busv).problems
    path = find_busv_annotation(synthetic_busv, 'train')
    assert [(p.kind, p.path) for p in problems] == [
        ('bad_json_entry', path), ('bad_json_entry', path)
    ]
    assert 'bbox [x, y, w, h]' in problems[0].detail
    assert 'image id -7: no such frame' in problems[1].detail
    with pytest.raises(ValueError, match='image id -7'):
        BUSVDataset(synthetic_busv, split='val')


def test_json_without_annotations_gives_area_0(synthetic_busv, mini):
    mini.edit_busv_json(synthetic_busv, 'val',
                        lambda coco: coco.pop('annotations'))
    for info in load(synthetic_busv, 'val').values():
        assert info['lesion_areas'] == [0.] * info['total_frames']
