"""LoadImageAsFrames: explicit RGB conversion and MMAction2 compatibility."""
import numpy as np
import pytest
from mmcv.transforms import Compose
from PIL import Image

from kga_mmaction.datasets.transforms.loading import (LoadImageAsFrames,
                                                      read_rgb_image,
                                                      to_rgb_uint8)
from mmaction.registry import TRANSFORMS


def save(tmp_path, name, array, mode=None):
    path = str(tmp_path / name)
    image = Image.fromarray(array)
    if mode is not None:
        image = image.convert(mode)
    image.save(path)
    return path


@pytest.fixture
def gray():
    return (np.arange(6 * 8).reshape(6, 8) * 5).astype(np.uint8)


@pytest.mark.parametrize('mode', ['L', 'LA', 'RGB', 'RGBA', 'P', '1'])
def test_every_mode_becomes_rgb_uint8(tmp_path, gray, mode):
    path = save(tmp_path, f'img_{mode}.png', gray, mode)
    img = read_rgb_image(path)
    assert img.shape == (6, 8, 3) and img.dtype == np.uint8
    assert img.flags['C_CONTIGUOUS']
    expected = np.asarray(Image.open(path).convert('RGB'))
    np.testing.assert_array_equal(img, expected)


def test_channel_order_is_rgb(tmp_path):
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 10, 20, 30
    img = read_rgb_image(save(tmp_path, 'rgb.png', rgb))
    assert img[0, 0].tolist() == [10, 20, 30]
    rgba = np.dstack([rgb, np.full((4, 4), 7, np.uint8)])
    img = read_rgb_image(save(tmp_path, 'rgba.png', rgba))
    assert img[0, 0].tolist() == [10, 20, 30]  # alpha dropped


def test_sixteen_bit_is_scaled(tmp_path):
    values = np.array([[0, 257, 257 * 100, 65535]], dtype=np.uint16)
    img = read_rgb_image(save(tmp_path, 'deep.png', values))
    assert img.dtype == np.uint8
    assert img[0, :, 0].tolist() == [0, 1, 100, 255]
    assert np.all(img[..., 0] == img[..., 2])


def test_unsupported_arrays_name_the_source():
    with pytest.raises(ValueError, match='scan.tif'):
        to_rgb_uint8(np.zeros((2, 2), np.float32), 'scan.tif')
    with pytest.raises(ValueError, match='odd.png'):
        to_rgb_uint8(np.zeros((2, 2, 2), np.uint8), 'odd.png')


def test_transform_keys_and_nchw(tmp_path, gray):
    path = save(tmp_path, 'benign (1).png', gray)
    pipeline = Compose([
        dict(type='LoadImageAsFrames'),
        dict(type='Resize', scale=(10, 4), keep_ratio=False),
        dict(type='FormatShape', input_format='NCHW'),
        dict(type='PackActionInputs'),
    ])
    results = LoadImageAsFrames()(dict(img_path=path, label=0))
    assert len(results['imgs']) == 1
    assert results['original_shape'] == results['img_shape'] == (6, 8)
    assert results['frame_inds'].tolist() == [0]
    assert (results['clip_len'], results['num_clips'],
            results['total_frames']) == (1, 1, 1)
    assert results['modality'] == 'RGB'
    packed = pipeline(dict(img_path=path, label=1))
    assert tuple(packed['inputs'].shape) == (1, 3, 4, 10)
    assert packed['data_samples'].gt_label.item() == 1


def test_static_clip_for_3d_models(tmp_path, gray):
    path = save(tmp_path, 'img.png', gray)
    pipeline = Compose([
        dict(type='LoadImageAsFrames', num_frames=4),
        dict(type='RandomResizedCrop'),
        dict(type='Resize', scale=(8, 8), keep_ratio=False),
        dict(type='Flip', flip_ratio=1.0),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs'),
    ])
    packed = pipeline(dict(img_path=path, label=0))
    assert tuple(packed['inputs'].shape) == (1, 3, 4, 8, 8)
    clip = packed['inputs'][0]
    for t in range(1, 4):  # every frame identical after the same transforms
        assert (clip[:, t] == clip[:, 0]).all()


def test_flip_acts_once_on_every_frame(tmp_path, gray):
    path = save(tmp_path, 'img.png', gray)
    results = LoadImageAsFrames(num_frames=2)(dict(img_path=path))
    flipped = TRANSFORMS.build(dict(type='Flip', flip_ratio=1.0))(results)
    expected = np.asarray(Image.open(path).convert('RGB'))[:, ::-1]
    for frame in flipped['imgs']:
        np.testing.assert_array_equal(frame, expected)


@pytest.mark.parametrize('content, match', [
    (b'', 'empty'),
    (b'this is not an image', 'cannot decode'),
])
def test_bad_files_raise_value_error_naming_the_file(tmp_path, content, match):
    path = str(tmp_path / 'malignant (5).png')
    with open(path, 'wb') as f:
        f.write(content)
    with pytest.raises(ValueError, match=match) as err:
        LoadImageAsFrames()(dict(img_path=path))
    assert path in str(err.value)


def test_truncated_png_raises(tmp_path):
    noise = np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)
    full = save(tmp_path, 'full.png', noise)
    data = open(full, 'rb').read()
    path = str(tmp_path / 'truncated.png')
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    with pytest.raises(ValueError) as err:
        LoadImageAsFrames()(dict(img_path=path))
    assert path in str(err.value)


def test_missing_file(tmp_path):
    path = str(tmp_path / 'nope.png')
    with pytest.raises(FileNotFoundError) as err:
        LoadImageAsFrames()(dict(img_path=path))
    assert path in str(err.value)


def test_num_frames_must_be_positive():
    with pytest.raises(ValueError, match='num_frames'):
        LoadImageAsFrames(num_frames=0)
