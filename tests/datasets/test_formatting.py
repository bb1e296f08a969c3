"""PackImageClassificationInputs: a one-frame clip as mmpretrain's input."""
import numpy as np
import pytest
import torch
from mmaction.registry import MODELS, TRANSFORMS
from mmpretrain.structures import DataSample


def one_frame_clip(label=2, shape=(5, 7)):
    frame = np.arange(np.prod(shape) * 3, dtype=np.uint8).reshape(*shape, 3)
    return dict(imgs=[frame], label=label, img_path='/x/normal (1).png',
                original_shape=(9, 9), img_shape=(9, 9), flip=True,
                flip_direction='horizontal', frame_inds=np.zeros(1),
                modality='RGB')


def test_packs_the_frame_channels_first_and_the_label_as_gt_label():
    results = one_frame_clip()
    frame = results['imgs'][0].copy()
    packed = TRANSFORMS.build(
        dict(type='PackImageClassificationInputs'))(results)

    assert set(packed) == {'inputs', 'data_samples'}
    # [H, W, 3] -> [3, H, W], same dtype and values
    assert packed['inputs'].shape == (3, 5, 7)
    assert packed['inputs'].dtype == torch.uint8
    np.testing.assert_array_equal(packed['inputs'].permute(1, 2, 0).numpy(),
                                  frame)
    sample = packed['data_samples']
    assert isinstance(sample, DataSample)
    assert sample.gt_label.tolist() == [2]
    # img_shape is the packed frame's, not a stale earlier value
    assert sample.img_shape == (5, 7)
    assert sample.original_shape == (9, 9)
    assert sample.img_path == '/x/normal (1).png'
    assert sample.flip is True and sample.flip_direction == 'horizontal'
    assert 'frame_inds' not in sample and 'modality' not in sample


def test_packed_samples_feed_mmpretrain_preprocessor_and_head_loss():
    preprocessor = MODELS.build(
        dict(type='mmpretrain.ClsDataPreprocessor', num_classes=3, mean=[0.] * 3,
             std=[1.] * 3))
    pack = TRANSFORMS.build(dict(type='PackImageClassificationInputs'))
    batch = [pack(one_frame_clip(label)) for label in (0, 1, 2)]
    data = preprocessor(
        dict(inputs=[b['inputs'] for b in batch],
             data_samples=[b['data_samples'] for b in batch]), training=True)
    assert data['inputs'].shape == (3, 3, 5, 7)
    head = MODELS.build(
        dict(type='mmpretrain.LinearClsHead', num_classes=3, in_channels=4,
             loss=dict(type='mmpretrain.CrossEntropyLoss'), cal_acc=True))
    losses = head.loss((torch.zeros(3, 4), ), data['data_samples'])
    # zero features: every logit row is the bias; the targets are 0, 1, 2
    expected = torch.nn.functional.cross_entropy(
        head.fc.bias.expand(3, 3), torch.tensor([0, 1, 2]))
    assert losses['loss'].item() == pytest.approx(expected.item(), abs=1e-6)


def test_a_clip_of_several_frames_is_refused():
    results = one_frame_clip()
    results['imgs'] = results['imgs'] * 2
    pack = TRANSFORMS.build(dict(type='PackImageClassificationInputs'))
    with pytest.raises(ValueError, match='2 frames.*num_frames=1'):
        pack(results)
