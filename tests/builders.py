"""Small builders shared by the tests."""
from mmaction.structures import ActionDataSample


def make_sample(label: int, source: str = 'video') -> ActionDataSample:
    """An ActionDataSample with a label and a source tag."""
    sample = ActionDataSample()
    sample.set_gt_label(label)
    sample.set_metainfo(dict(source=source))
    return sample
