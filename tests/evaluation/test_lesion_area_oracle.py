"""lesion_area_oracle and load_lesion_area_oracle: a dump rescored with
the lesion areas as frame weights."""
import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.evaluator import Evaluator

from kga_mmaction.evaluation import load_lesion_area_oracle


def dump(path, areas, logits=True):
    """One video of 3 frames; class 0's frame logits are 0."""
    sample = ActionDataSample().set_gt_label(1)
    sample.set_pred_score(torch.tensor([.5, .5]))
    sample.set_metainfo(dict(video_id='v0', frame_inds=np.arange(3),
                             lesion_areas=areas))
    if logits:
        sample.frame_video_logits = torch.tensor([[0., 1.], [0., 2.],
                                                  [0., -4.]])
    evaluator = Evaluator(
        [dict(type='DumpPredictions', out_file_path=str(path))])
    evaluator.process([sample])
    evaluator.evaluate(1)


@pytest.mark.parametrize('areas, logit', [
    ([0., 3., 1.], (3 * 2 - 4) / 4),  # area-weighted
    ([0., 0., 0.], (1 + 2 - 4) / 3),  # no lesion: the frame average
])
def test_oracle_weights_the_frames_by_lesion_area(tmp_path, areas, logit):
    path = tmp_path / 'preds.csv'
    dump(path, areas)
    [oracle] = load_lesion_area_oracle(str(path))
    np.testing.assert_allclose(oracle.pred_logits, [0., logit])
    assert oracle.frame_weights.sum() == pytest.approx(1.)
    assert (oracle.video_id, oracle.gt_label) == ('v0', 1)


def test_missing_fields_name_the_file_and_video(tmp_path):
    path = tmp_path / 'preds.json'
    dump(path, [1., 2., 3.], logits=False)
    with pytest.raises(ValueError, match=f'^{path}: v0: no '
                       'frame_video_logits'):
        load_lesion_area_oracle(str(path))
    sample_without_areas = tmp_path / 'no_areas.json'
    dump(sample_without_areas, None)
    with pytest.raises(ValueError, match=f'^{sample_without_areas}: v0: no '
                       'frame_lesion_areas'):
        load_lesion_area_oracle(str(sample_without_areas))
