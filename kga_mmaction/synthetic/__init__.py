"""Synthetic BUSV videos and BUSI images in the released layouts.

Neither public dataset can be downloaded everywhere, so tests and the CPU
demo run on data generated here, written in exactly the layouts of
``/work/shared/notes/datasets.md``:

* BUSV (``make_synthetic_busv``)::

      <root>/rawframes/{benign,malignant}/<video_id>/000000.png ...
      <root>/imagenet_vid_train_15frames.json
      <root>/imagenet_vid_val.json

* BUSI (``make_synthetic_busi``)::

      <root>/{benign,malignant,normal}/<cls> (k).png, <cls> (k)_mask.png
      (and ``<cls> (k)_mask_1.png`` for images with a second lesion)

The content carries the premise of KGA-Net (Sun et al., MICCAI 2023,
section 1): B-mode-like speckled frames in which benign lesions are oval,
smooth, wider than tall and hypoechoic with slight posterior enhancement,
while malignant lesions are irregular (micro-lobulated, spiculated), taller
than wide, with an echogenic halo and posterior acoustic shadowing. Every
video sweeps the probe across its lesion, so only a minority of frames show
the diagnostic cross-section; the others are small, partial, motion-blurred
or shaped halfway between the classes. BUSI images are the clear keyframes.

Everything is drawn from ``numpy.random.default_rng`` seeded per item
(``[seed, domain, class, index]``), so the same seed gives byte-identical
files and a larger dataset extends a smaller one.

Modules:

* :mod:`.lesion`: the lesion's outline as a function of malignancy;
* :mod:`.bmode`: B-mode image formation (tissue, lesion echoes, speckle,
  scanner display);
* :mod:`.sweep`: videos, the probe sweeping across the lesion;
* :mod:`.keyframe`: clear single images (BUSI);
* :mod:`.cocovid`: the CocoVID annotations of the BUSV JSONs;
* :mod:`.writers`: the BUSV and BUSI trees on disk.

The layout names (class folders, frame names, JSON names, the BUSI folder)
are the readers', imported from :mod:`kga_mmaction.datasets`; this package
is never imported by them.
"""
from .keyframe import render_keyframe
from .lesion import mask_shape_stats
from .sweep import render_video
from .writers import (BUSV_DIRNAME, META_FILENAME, counts_from_fraction,
                      make_synthetic_busi, make_synthetic_busv,
                      make_synthetic_datasets)

__all__ = [
    'BUSV_DIRNAME', 'META_FILENAME', 'counts_from_fraction',
    'make_synthetic_busi', 'make_synthetic_busv', 'make_synthetic_datasets',
    'mask_shape_stats', 'render_keyframe', 'render_video'
]
