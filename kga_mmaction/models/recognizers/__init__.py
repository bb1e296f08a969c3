from .fast_inference import (FastInferenceCfg, embed_for_inference,
                             embed_in_chunks, inference_context)
from .inference_flags import inference_test_cfg, set_inference_test_cfg
from .kga_recognizer import KGARecognizer

__all__ = [
    'FastInferenceCfg', 'KGARecognizer', 'embed_for_inference',
    'embed_in_chunks', 'inference_context', 'inference_test_cfg',
    'set_inference_test_cfg'
]
