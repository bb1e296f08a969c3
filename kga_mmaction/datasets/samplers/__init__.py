from .mixed_source_sampler import MixedSourceSampler

__all__ = ['MixedSourceSampler']
