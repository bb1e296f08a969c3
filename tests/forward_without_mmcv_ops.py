"""Build each config's model and run one test-mode forward with ``mmcv.ops``
and ``mmcv._ext`` unimportable, as they are under mmcv-lite and whatever
mmcv is installed: ``python tests/forward_without_mmcv_ops.py CONFIG...``.

Run in a fresh process by ``test_configs.py``: the import blocker goes in
before anything imports mmcv. Prints one JSON line per config
(``config``, ``outputs``, ``scores_finite``) and a last line ``blocked``
with the names it refused to the libraries (after its own check that
``import mmcv.ops`` fails).
"""
import importlib.abc
import json
import sys

BLOCKED = ('mmcv.ops', 'mmcv._ext')
MESSAGE = 'blocked by forward_without_mmcv_ops.py'


class BlockMmcvOps(importlib.abc.MetaPathFinder):
    """Refuses ``mmcv.ops``, ``mmcv._ext`` and their submodules, as if the
    compiled ops were not installed; records each refusal."""

    def __init__(self):
        self.refused = []

    def find_spec(self, fullname, path=None, target=None):
        if any(fullname == name or fullname.startswith(name + '.')
               for name in BLOCKED):
            self.refused.append(fullname)
            raise ImportError(f'{fullname} {MESSAGE}', name=fullname)
        return None


BLOCKER = BlockMmcvOps()
sys.meta_path.insert(0, BLOCKER)
assert not any(name.startswith('mmcv') for name in sys.modules)

import torch  # noqa: E402
from mmaction.structures import ActionDataSample  # noqa: E402
from mmaction.utils import register_all_modules  # noqa: E402
from mmaction.registry import MODELS  # noqa: E402
from mmengine.config import Config  # noqa: E402

import kga_mmaction  # noqa: E402,F401
from kga_mmaction.benchmark.builders import no_pretrained  # noqa: E402

#: Small inputs: frames per clip or video, and pixels per side.
FRAMES = 8
SIZE = 64


def one_input(model) -> tuple:
    """(input, data sample) of the smallest shape the model takes whole."""
    if model.__class__.__module__.startswith('mmpretrain'):
        from mmpretrain.structures import DataSample
        return (torch.randint(0, 256, (3, SIZE, SIZE), dtype=torch.uint8),
                DataSample().set_gt_label(1))
    sample = ActionDataSample().set_gt_label(1)
    sample.set_metainfo(dict(source='video'))
    if model.data_preprocessor.format_shape == 'NCTHW':
        # [num_clips, C, T, H, W]
        shape = (1, 3, FRAMES, SIZE, SIZE)
    else:
        # [num_frames, C, H, W]
        shape = (FRAMES, 3, SIZE, SIZE)
    return torch.randint(0, 256, shape, dtype=torch.uint8), sample


def main(paths) -> None:
    asked_so_far = list(BLOCKER.refused)
    try:
        import mmcv.ops  # noqa: F401
    except ImportError as error:
        assert MESSAGE in str(error), error  # refused here, not elsewhere
    else:
        raise AssertionError('mmcv.ops imported despite the blocker')
    BLOCKER.refused[:] = asked_so_far  # what the libraries ask for
    register_all_modules(init_default_scope=True)
    torch.manual_seed(0)
    for path in paths:
        cfg = Config.fromfile(path)
        model = MODELS.build(no_pretrained(cfg.model)).eval()
        inputs, sample = one_input(model)
        with torch.no_grad():
            outputs = model.test_step(
                dict(inputs=[inputs], data_samples=[sample]))
        scores = torch.stack([out.pred_score for out in outputs])
        print(json.dumps(dict(config=path, outputs=len(outputs),
                              scores_finite=bool(scores.isfinite().all()))),
              flush=True)
    loaded = [name for name in sys.modules
              if any(name == b or name.startswith(b + '.') for b in BLOCKED)]
    assert not loaded, loaded
    print(json.dumps(dict(blocked=sorted(set(BLOCKER.refused)))))


if __name__ == '__main__':
    main(sys.argv[1:])
