"""Inference with a trained KGA-Net (single videos and whole datasets)."""
from .cli import (add_model_arguments, add_video_selection_arguments,
                  load_config_from_args, load_model_from_args)
from .inference import (DECODE_TRANSFORMS, POSITIVE_CLASS,
                        NonFiniteScoreError, TruncatedVideoWarning,
                        VideoFrames, VideoPrediction, build_loading_dataset,
                        config_max_frames, dataset_classes, dataset_features,
                        default_device, embed_clip, image_dataset_cfg,
                        init_kga_recognizer, positive_index,
                        predict_dataset, predict_video, read_video_frames,
                        sample_indices, select_videos, split_test_pipeline,
                        spread_indices, top_k_frames, video_dataset_cfg)

__all__ = [
    'add_model_arguments', 'add_video_selection_arguments',
    'load_config_from_args', 'load_model_from_args', 'DECODE_TRANSFORMS',
    'NonFiniteScoreError', 'POSITIVE_CLASS', 'TruncatedVideoWarning',
    'VideoFrames', 'VideoPrediction', 'build_loading_dataset',
    'config_max_frames', 'dataset_classes', 'dataset_features',
    'default_device', 'embed_clip', 'image_dataset_cfg',
    'init_kga_recognizer', 'positive_index',
    'predict_dataset', 'predict_video', 'read_video_frames',
    'sample_indices', 'select_videos', 'split_test_pipeline',
    'spread_indices', 'top_k_frames', 'video_dataset_cfg'
]
