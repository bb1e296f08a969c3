"""kga_mmaction.synthetic.cocovid: the BUSV JSONs flag evenly spaced train
frames, and the writer splits each class's videos by val_fraction."""
import numpy as np

from kga_mmaction.synthetic.cocovid import vid_train_frame_ids


def test_busv_train_flags_and_split(tiny):
    train, val = tiny.coco('train'), tiny.coco('val')
    for v in train['videos']:
        frames = [i for i in train['images'] if i['video_id'] == v['id']]
        flagged = [i['frame_id'] for i in frames if i['is_vid_train_frame']]
        assert len(flagged) == 15
        assert flagged[0] == 0 and flagged[-1] == len(frames) - 1
        assert flagged == v['vid_train_frames']
        gaps = np.diff(flagged)
        assert gaps.max() - gaps.min() <= 1  # evenly spaced
    assert not any(i['is_vid_train_frame'] for i in val['images'])
    # stratified: each class has val_fraction of its videos in val
    for cls, n in (('benign', tiny.busv['num_benign']),
                   ('malignant', tiny.busv['num_malignant'])):
        n_val = sum(v['name'].startswith(cls + '/') for v in val['videos'])
        assert n_val == round(n * tiny.busv['val_fraction'])


def test_vid_train_frame_ids():
    assert vid_train_frame_ids(40) == [
        int(round(x)) for x in np.linspace(0, 39, 15)]
    assert vid_train_frame_ids(15) == list(range(15))
    assert vid_train_frame_ids(7) == list(range(7))
