from .mixed_source_data_preprocessor import MixedSourceDataPreprocessor

__all__ = ['MixedSourceDataPreprocessor']
