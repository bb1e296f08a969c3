"""apply_cross_validation on the demo configs, whose datasets are nested in
different ways: KGA-Net (BUSV inside MixedVideoImageDataset), without image
guidance (BUSV alone) and I3D (clips; BUSV inside the mixed dataset)."""
import argparse
import os.path as osp

import pytest
from mmaction.registry import DATASETS
from mmengine.config import Config

from kga_mmaction.apis import (add_cross_validation_arguments,
                               merge_cross_validation_args)
from kga_mmaction.datasets import apply_cross_validation
from runner_options import ROOT, make_tiny_data

DEMO = osp.join(ROOT, 'configs', 'demo')
CONFIGS = ('kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py',
           'kga-net-wo-image-guidance_r18-half_1xb8-1x1x8-600it_'
           'synthetic-busv.py',
           'i3d_r50-quarter-1block_1xb8-8x2x1-600it_synthetic.py')
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    return make_tiny_data(tmp_path_factory.mktemp('cv_configs'))


def point_at(node, roots):
    """Set ``data_root`` of every dataset dict whose type is in ``roots``
    (and load it without serialization, which is slow for tiny data)."""
    if isinstance(node, dict):
        if node.get('type') in roots:
            node.update(data_root=roots[node['type']], serialize_data=False)
        for value in node.values():
            point_at(value, roots)
    elif isinstance(node, list):
        for value in node:
            point_at(value, roots)


def demo_config(name, tiny_data):
    cfg = Config.fromfile(osp.join(DEMO, name))
    for loader in LOADERS:
        point_at(cfg[loader]['dataset'],
                 dict(BUSVDataset=str(tiny_data / 'busv'),
                      BUSIDataset=str(tiny_data / 'Dataset_BUSI_with_GT')))
    return cfg


def videos_and_images(dataset):
    """BUSV video names and the number of BUSI images of a built dataset."""
    video, images = dataset, 0
    if hasattr(dataset, 'datasets'):  # MixedVideoImageDataset
        video, image = dataset.datasets
        images = len(image)
    names = {video.get_data_info(i)['video_name'] for i in range(len(video))}
    return names, images


@pytest.mark.parametrize('name', CONFIGS)
def test_folds_reach_every_busv_dataset_of_a_config(name, tiny_data):
    images = videos_and_images(
        DATASETS.build(demo_config(name, tiny_data).train_dataloader.dataset))
    all_videos, busi_images = images
    tested = set()
    for fold in range(2):
        cfg = apply_cross_validation(demo_config(name, tiny_data), 2, fold)
        built = {
            loader: videos_and_images(DATASETS.build(cfg[loader]['dataset']))
            for loader in LOADERS
        }
        train, val, test = (built[loader][0] for loader in LOADERS)
        assert not (train & val or train & test or val & test)
        assert train and val and test
        # BUSI stays in training, whole, for every fold
        assert built['train_dataloader'][1] == busi_images
        tested |= test
        all_videos |= val | test
    assert len(tested) == len(all_videos) == 8  # the test folds partition


def test_a_config_without_busv_is_refused(tiny_data):
    cfg = demo_config(CONFIGS[0], tiny_data)
    cfg.test_dataloader.dataset = dict(type='VideoListDataset',
                                       ann_file='x.txt')
    with pytest.raises(ValueError, match='test_dataloader.dataset holds no '
                       "BUSVDataset \\(its type is 'VideoListDataset'\\)"):
        apply_cross_validation(cfg, 2, 0)


def test_tool_arguments(tiny_data):
    parser = argparse.ArgumentParser()
    add_cross_validation_arguments(parser, test=True)
    cfg = demo_config(CONFIGS[0], tiny_data)
    args = parser.parse_args(['--folds', '3', '--fold', '2', '--fold-seed',
                              '5', '--fold-part', 'inner_val'])
    merge_cross_validation_args(cfg, args)
    assert cfg.test_dataloader.dataset.cross_validation == dict(
        num_folds=3, fold=2, seed=5, inner_val_fraction=0.2,
        part='inner_val')
    assert cfg.val_dataloader.dataset.cross_validation['part'] == 'inner_val'
    assert (cfg.train_dataloader.dataset.video.cross_validation['part'] ==
            'train')
    untouched = demo_config(CONFIGS[0], tiny_data)
    assert merge_cross_validation_args(
        untouched, parser.parse_args([])) is untouched
    assert 'cross_validation' not in untouched.test_dataloader.dataset
    with pytest.raises(ValueError, match='--folds and --fold go together'):
        merge_cross_validation_args(untouched, parser.parse_args(
            ['--fold', '1']))
