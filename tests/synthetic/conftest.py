"""A tiny synthetic BUSV + BUSI, written once for the generator's tests.

Tests reach it through the ``tiny`` fixture: ``out`` (the folder
:func:`~kga_mmaction.synthetic.make_synthetic_datasets` wrote), ``meta``
(what it returned), ``busv`` / ``busi`` (its arguments), ``busv_root`` /
``busi_root`` and ``coco(split)`` (a BUSV CocoVID JSON, parsed). The
fixture works under every pytest import mode.
"""
import json
import os.path as osp
import types

import pytest

from kga_mmaction.datasets.busi.layout import BUSI_FOLDER
from kga_mmaction.datasets.busv.layout import BUSV_ANNOTATION_FILES
from kga_mmaction.synthetic import BUSV_DIRNAME, make_synthetic_datasets

TINY_BUSV = dict(num_benign=4, num_malignant=4, frames=(15, 20),
                 size=(64, 64), val_fraction=0.25)
TINY_BUSI = dict(num_benign=12, num_malignant=12, num_normal=2,
                 size=(64, 64), extra_mask_prob=0.3, grayscale_prob=0.3)


@pytest.fixture(scope='session')
def tiny(tmp_path_factory) -> types.SimpleNamespace:
    out = str(tmp_path_factory.mktemp('synth') / 'synthetic')
    meta = make_synthetic_datasets(out, busv=TINY_BUSV, busi=TINY_BUSI,
                                   seed=3, progress=False)
    busv_root = osp.join(out, BUSV_DIRNAME)

    def coco(split: str) -> dict:
        # the released archive's names, at the root
        with open(osp.join(busv_root, BUSV_ANNOTATION_FILES[split][0])) as f:
            return json.load(f)

    return types.SimpleNamespace(
        out=out, meta=meta, busv=TINY_BUSV, busi=TINY_BUSI,
        busv_root=busv_root, busi_root=osp.join(out, BUSI_FOLDER), coco=coco)
