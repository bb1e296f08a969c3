from .mixed_source_batch_sampler import MixedSourceBatchSampler

__all__ = ['MixedSourceBatchSampler']
