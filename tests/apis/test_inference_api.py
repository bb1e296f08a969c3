"""kga_mmaction.apis: reading videos, single-video inference (and that it
agrees with tools/test.py), the config helpers."""
import os.path as osp
import warnings

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from kga_mmaction.apis import (TruncatedVideoWarning, dataset_classes,
                               image_dataset_cfg, init_kga_recognizer,
                               positive_index, predict_video,
                               read_video_frames, sample_indices,
                               split_test_pipeline, video_dataset_cfg)
from kga_mmaction.datasets.frame_folder import natural_key
from kga_mmaction.engine import CheckpointMismatchError
from kga_mmaction.evaluation import load_predictions


def write_mp4(path, num_frames, size=(40, 32)):
    """Frame ``i`` is uniformly grey at level ``20 * i``."""
    width, height = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (width, height))
    assert writer.isOpened()
    for i in range(num_frames):
        writer.write(np.full((height, width, 3), 20 * i, np.uint8))
    writer.release()
    return str(path)


def test_truncated_video_warns_with_both_counts(tmp_path):
    """An AVI cut in half still opens, its header still says 40 frames, but
    far fewer decode: a warning with both counts; an intact file gives
    none."""
    rng = np.random.default_rng(0)
    path = tmp_path / 'whole.avi'
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 10,
                             (48, 40))
    for _ in range(40):
        writer.write(rng.integers(0, 255, (40, 48, 3), np.uint8))
    writer.release()
    with warnings.catch_warnings():
        warnings.simplefilter('error', TruncatedVideoWarning)
        assert read_video_frames(str(path)).total_frames == 40
    cut = tmp_path / 'cut.avi'
    cut.write_bytes(path.read_bytes()[:path.stat().st_size // 2])
    with pytest.warns(TruncatedVideoWarning) as record:
        video = read_video_frames(str(cut))
    assert 0 < video.total_frames < 36
    assert str(record[0].message).startswith(
        f'video file {cut} decodes {video.total_frames} frames but its '
        'header says 40')


def test_read_mp4_samples_uniformly_and_decodes_in_order(tmp_path):
    path = write_mp4(tmp_path / 'clip.mp4', 12)
    video = read_video_frames(path, max_frames=5)
    assert video.total_frames == 12
    np.testing.assert_array_equal(video.frame_inds, sample_indices(12, 5))
    np.testing.assert_array_equal(video.frame_inds, [1, 3, 6, 8, 10])
    assert len(video.frames) == 5
    assert video.frames[0].shape == (32, 40, 3)
    assert video.frames[0].dtype == np.uint8
    levels = [float(f.mean()) for f in video.frames]
    np.testing.assert_allclose(levels, 20 * video.frame_inds, atol=6)
    # a short video gives every frame
    assert len(read_video_frames(path, max_frames=128).frames) == 12


def test_read_frame_folder_in_natural_order(tmp_path):
    folder = tmp_path / 'frames'
    folder.mkdir()
    for i in (1, 2, 10, 11, 3):  # lexical order would put 10 before 2
        img = np.full((8, 6, 3), 10 * i, np.uint8)
        cv2.imwrite(str(folder / f'scan{i}.png'), img)
    (folder / 'notes.txt').write_text('not a frame')
    video = read_video_frames(str(folder))
    names = [osp.basename(f) for f in video.frame_files]
    assert names == ['scan1.png', 'scan2.png', 'scan3.png', 'scan10.png',
                     'scan11.png']
    assert [int(f[0, 0, 0]) for f in video.frames] == [10, 20, 30, 100, 110]
    np.testing.assert_array_equal(video.frame_inds, range(5))
    assert sorted(['f10', 'f2', 'F1'], key=natural_key) == ['F1', 'f2', 'f10']


@pytest.mark.parametrize('kind', ['random_bytes', 'zero_bytes', 'no_frames',
                                  'empty_folder', 'missing', 'not_video'])
def test_bad_inputs_raise_errors_naming_the_path(tmp_path, kind):
    path = tmp_path / 'case.mp4'
    error = ValueError
    if kind == 'random_bytes':
        path.write_bytes(np.random.default_rng(0).bytes(4096))
    elif kind == 'zero_bytes':
        path.write_bytes(b'')
    elif kind == 'no_frames':
        write_mp4(path, 0)
    elif kind == 'empty_folder':
        path = tmp_path / 'empty_frames'
        path.mkdir()
    elif kind == 'missing':
        error = FileNotFoundError
    else:
        path = tmp_path / 'case.txt'
        path.write_text('hello')
    with pytest.raises(error) as info:
        read_video_frames(str(path))
    assert str(path) in str(info.value)


def test_split_test_pipeline_cuts_after_decoding():
    pipeline = [
        dict(type='SampleUpToFrames'),
        dict(type='RawFrameDecode'),
        dict(type='Resize', scale=(8, 8)),
        dict(type='PackActionInputs')
    ]
    loading, rest = split_test_pipeline(pipeline)
    assert [t['type'] for t in loading] == ['SampleUpToFrames',
                                            'RawFrameDecode']
    assert [t['type'] for t in rest] == ['Resize', 'PackActionInputs']
    with pytest.raises(ValueError, match='no decoding step'):
        split_test_pipeline(rest)


def test_config_helpers(tiny_kga):
    cfg = tiny_kga.cfg
    classes = dataset_classes(cfg.test_dataloader.dataset)
    assert classes == ('benign', 'malignant')
    assert positive_index(classes) == 1
    with pytest.raises(ValueError, match='malignant'):
        positive_index(('normal', 'benign'))
    dataset_cfg = video_dataset_cfg(cfg, split='train', max_frames=4)
    assert dataset_cfg.split == 'train'
    assert dataset_cfg.pipeline[0]['max_frames'] == 4
    assert cfg.test_dataloader.dataset.split == 'val'  # not modified
    assert image_dataset_cfg(cfg).type == 'BUSIDataset'
    no_images = Config(dict(train_dataloader=dict(dataset=dict(type='X'))))
    with pytest.raises(ValueError, match='no image dataset'):
        image_dataset_cfg(no_images)


def test_missing_or_mismatched_checkpoint_is_named(tiny_kga, tmp_path):
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        init_kga_recognizer(tiny_kga.config, missing, device='cpu')
    state = torch.load(tiny_kga.checkpoint)['state_dict']
    state = {k: v for k, v in state.items() if not k.startswith('cls_head')}
    partial = str(tmp_path / 'backbone_only.pth')
    torch.save(dict(state_dict=state), partial)
    with pytest.raises(CheckpointMismatchError,
                       match='(?s)backbone_only.pth.*missing from the '
                       r'checkpoint: cls_head\..*allow-partial-checkpoint'):
        init_kga_recognizer(tiny_kga.config, partial, device='cpu')
    model = init_kga_recognizer(tiny_kga.config, partial, device='cpu',
                                allow_partial=True)
    loaded = model.state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in state.items())


def test_single_video_agrees_with_tools_test(tiny_kga, tiny_predictions):
    """A BUSV frame folder read and predicted by the API gives the
    prediction that ``tools/test.py`` made of the same video through the
    config's dataset and pipeline (and wrote with ``--out-predictions``)."""
    model = init_kga_recognizer(tiny_kga.config, tiny_kga.checkpoint,
                                device='cpu')
    dumped = load_predictions(tiny_predictions)
    assert {p.gt_label for p in dumped} == {0, 1}
    for expected in dumped:
        video = read_video_frames(expected.frame_dir)
        single = predict_video(model, video)
        assert single.video_id == expected.video_id
        assert single.frame_dir == expected.frame_dir
        num = len(single.frame_weights)
        assert single.frame_scores.shape == (num, 2)
        assert single.center_distances.shape == (num, 2)
        assert np.all((single.frame_weights >= 0) &
                      (single.frame_weights <= 1))
        assert single.pred_score.sum() == pytest.approx(1, abs=1e-5)
        np.testing.assert_array_equal(single.frame_inds, range(num))
        np.testing.assert_array_equal(single.frame_inds,
                                      expected.frame_inds)  # start 0
        assert single.frame_video_logits.shape == (num, 2)
        for key in ('pred_score', 'pred_logits', 'frame_weights',
                    'center_distances', 'frame_video_logits'):
            np.testing.assert_allclose(getattr(single, key),
                                       getattr(expected, key), atol=1e-5,
                                       err_msg=key)
        assert single.gt_label is None
        own, known = single.own_center_distances()
        assert not known  # unlabelled: distances to the predicted class
        np.testing.assert_allclose(
            own, single.center_distances[:, single.pred_label])
