"""kga_mmaction.synthetic.lesion: outlines grow rougher with malignancy."""
import numpy as np

from kga_mmaction.synthetic.lesion import (LesionPlacement, lesion_fields,
                                           mask_shape_stats,
                                           sample_lesion_shape)


def test_roughness_of_outline_grows_with_malignancy():
    shape = sample_lesion_shape(np.random.default_rng(0))
    yy, xx = np.mgrid[0:96, 0:96].astype(np.float32)
    rough = []
    for m in (0., 0.5, 1.):
        _, mask = lesion_fields(LesionPlacement(shape, m, 48., 48., 20.),
                                xx, yy)
        rough.append(mask_shape_stats(mask)['roughness'])
    assert rough[0] < rough[1] < rough[2]
    assert rough[0] < 1.25 * 4 * np.pi  # near-elliptical benign outline
