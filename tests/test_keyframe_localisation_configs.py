"""The KGA-Net configs measure keyframe localisation: their BUSV test
pipeline carries each video's lesion areas to the predicted samples, where
``KeyframeLocalisationMetric`` and ``DumpPredictions`` pick those of the
sampled frames."""
import os.path as osp

import numpy as np
import pytest
from mmaction.registry import DATASETS
from mmengine.config import Config

from kga_mmaction.evaluation.predicted_sample import frame_lesion_areas_of
from kga_mmaction.synthetic import make_synthetic_busv

CONFIG_DIR = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                      'configs')
PAPER = osp.join(CONFIG_DIR, 'kga_net',
                 'kga-net_r50-in1k-pre_1xb16-1x1x16-8k_busv-busi.py')
DEMO = osp.join(CONFIG_DIR, 'demo',
                'kga-net_r18-half_1xb8-1x1x8-600it_synthetic.py')
#: An ablation that inherits the demo's evaluators (constant weights).
WITHOUT_ATTENTION = osp.join(
    CONFIG_DIR, 'demo',
    'kga-net-wo-coherence-attention_r18-half_1xb8-1x1x8-600it_synthetic.py')


@pytest.mark.parametrize('path', [PAPER, DEMO, WITHOUT_ATTENTION],
                         ids=osp.basename)
def test_kga_net_configs_evaluate_keyframe_localisation(path):
    cfg = Config.fromfile(path)
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        assert dict(type='KeyframeLocalisationMetric', k=4) in evaluator


def test_the_test_pipeline_carries_the_lesion_areas(tmp_path):
    root = str(tmp_path / 'busv')
    make_synthetic_busv(root, num_benign=2, num_malignant=2, frames=(6, 8),
                        size=(16, 16), vary_size=False, val_fraction=0.5,
                        progress=False)
    cfg = Config.fromfile(DEMO)
    dataset = DATASETS.build(dict(cfg.test_dataloader.dataset,
                                  data_root=root, serialize_data=False))
    info = dataset.get_data_info(0)
    sample = dataset[0]['data_samples'].to_dict()
    assert sample['lesion_areas'] == info['lesion_areas']
    assert len(sample['frame_inds']) == info['total_frames']  # all, <= 128
    np.testing.assert_array_equal(
        frame_lesion_areas_of(sample),
        np.asarray(info['lesion_areas'])[sample['frame_inds']])
