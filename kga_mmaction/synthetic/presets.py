"""Named argument sets of ``tools/data/make_synthetic.py`` (``--preset``).

``busv-like`` has the proportions of the released datasets
(``/work/shared/notes/datasets.md``), so that a model's scores on it are not
at the ceiling and a table built on it can rank methods:

* BUSV: 186 videos (the public release), 60 % malignant, one in five per
  class in the validation JSON (the release's 149 / 37 split), 30 to 240
  frames per video (mean 135; the release has about 134 on average).
* BUSI: benign, malignant and normal images in the released ratio 437 :
  210 : 133, at half the count (219 : 105 : 66).
* ``difficulty`` sets how subtle the class features are
  (:func:`~kga_mmaction.synthetic.lesion.class_malignancy`). Its value was
  calibrated so that the "w/o coherence loss & attention" CPU demo, trained
  from scratch, scores a test AUC inside [0.70, 0.90]
  (``results/busv_like_calibration.md``).
* ``keyframe_fraction`` 0.1: one frame in ten shows the diagnostic
  cross-section, the paper's premise and the first point of
  ``results/premise_sweep.md``. Without it (the share then follows from
  ``difficulty``, about one in five) the demo started from the
  ``configs/pretrain/`` stand-in scored a test AUC of 1.000 on the 37
  validation videos: a benchmark at the ceiling measures nothing.
"""
from typing import Dict

#: ``--preset`` name -> defaults of ``make_synthetic.py``'s arguments (an
#: argument given on the command line still wins).
PRESETS: Dict[str, Dict[str, object]] = {
    'busv-like':
    dict(
        videos_per_class=93,
        malignant_fraction=0.6,
        val_fraction=0.2,
        frames=(30, 240),
        images_per_class=162,
        image_malignant_fraction=210 / (437 + 210),
        normal_images=66,
        difficulty=0.6,
        keyframe_fraction=0.1),
}
