"""Shared set-up: the plugin registered and MMAction2's default scope."""
import pytest
import torch
from mmaction.utils import register_all_modules

import kga_mmaction  # noqa: F401

register_all_modules(init_default_scope=True)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
