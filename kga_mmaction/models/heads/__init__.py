from .frame_attention_head import FrameAttentionHead

__all__ = ['FrameAttentionHead']
