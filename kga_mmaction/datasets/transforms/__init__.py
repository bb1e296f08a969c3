from .formatting import PackImageClassificationInputs
from .loading import LoadImageAsFrames
from .sampling import SampleUpToFrames

__all__ = [
    'LoadImageAsFrames', 'PackImageClassificationInputs', 'SampleUpToFrames'
]
