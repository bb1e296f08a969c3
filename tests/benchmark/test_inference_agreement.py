"""The inference section's agreement helpers: a fast path takes fp32's
classifier for a while without a copy of its backbone, so that its compiled
snapshot (``compile=True``) is reused, not compiled again."""
import copy

import pytest
import torch
from torch import nn

from kga_mmaction.benchmark.sections.inference_agreement import head_of
from kga_mmaction.models.recognizers.fast_inference import compiled_embed


class BackboneAndHead(nn.Module):
    """What ``head_of`` and ``compiled_embed`` read of a recognizer."""

    def __init__(self):
        super().__init__()
        self.backbone = nn.Linear(3, 4)
        self.cls_head = nn.Linear(4, 2)

    def embed(self, frames):
        return self.backbone(frames)  # [M, 3] -> [M, 4]


def assert_state_equal(module, state):
    current = module.state_dict()
    assert current.keys() == state.keys()
    for key, value in state.items():
        assert torch.equal(current[key], value), key


def test_head_of_lends_the_head_and_keeps_the_compiled_backbone():
    model, donor = BackboneAndHead(), BackboneAndHead()
    own = copy.deepcopy(model.cls_head.state_dict())
    compiled = compiled_embed(model)  # only wrapped: compiles when called
    with head_of(model, donor) as lent:
        assert lent is model
        assert_state_equal(model.cls_head, donor.cls_head.state_dict())
        assert compiled_embed(model) is compiled
    assert_state_equal(model.cls_head, own)
    assert compiled_embed(model) is compiled


def test_head_of_gives_the_head_back_after_an_error():
    model, donor = BackboneAndHead(), BackboneAndHead()
    own = copy.deepcopy(model.cls_head.state_dict())
    with pytest.raises(RuntimeError, match='inside'):
        with head_of(model, donor):
            raise RuntimeError('inside')
    assert_state_equal(model.cls_head, own)
