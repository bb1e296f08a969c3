"""Small builders shared by the tests."""
import importlib.util
from types import ModuleType

import numpy as np
from mmaction.structures import ActionDataSample


def make_sample(label: int, source: str = 'video') -> ActionDataSample:
    """An ActionDataSample with a label and a source tag."""
    sample = ActionDataSample()
    sample.set_gt_label(label)
    sample.set_metainfo(dict(source=source))
    return sample


def pairwise_auc(labels, scores) -> float:
    """ROC AUC counted by hand (Mann-Whitney): the fraction of
    (positive, negative) pairs ranked the right way, a tie counting half.
    An oracle independent of the ROC curve that the package computes."""
    labels = np.asarray(labels).astype(bool)
    scores = np.asarray(scores, dtype=np.float64)
    pos, neg = scores[labels][:, None], scores[~labels][None, :]
    return float(((pos > neg) + 0.5 * (pos == neg)).mean())


def load_script(path: str, name: str) -> ModuleType:
    """A script outside the package (e.g. a tool) imported as module
    ``name``, so that a test can call its functions in this process."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def table_cells(table: str, name: str) -> dict:
    """Header -> cell of the row ``name`` of a Markdown table (the first
    table whose header starts with ``| Model |``)."""
    lines = table.splitlines()
    header = next(line for line in lines if line.startswith('| Model |'))
    row = next(line for line in lines if line.startswith(f'| {name} |'))
    return dict(zip(header.strip('| ').split(' | '),
                    row.strip('| ').split(' | ')))
