from .kga_recognizer import KGARecognizer

__all__ = ['KGARecognizer']
