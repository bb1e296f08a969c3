"""Inference with a trained KGA-Net on one video, the backbone features of
a dataset (Fig. 1), and the command-line set-up the tools share."""
from .cli import (add_cross_validation_arguments, add_model_arguments,
                  add_prediction_arguments, add_video_selection_arguments,
                  load_config_from_args, load_model_from_args,
                  load_predictions_from_args, merge_cross_validation_args,
                  merge_runner_args, parse_runner_args, positive_int)
from .features import (build_loading_dataset, dataset_features, embed_clip,
                       image_dataset_cfg, video_dataset_cfg)
from .inference import (DECODE_TRANSFORMS, POSITIVE_CLASS,
                        StrayFrameFileWarning, TruncatedVideoWarning,
                        UnreliableInputError, VideoFrames,
                        check_video_frames, config_max_frames,
                        dataset_classes, default_device, frame_resizer,
                        init_kga_recognizer, model_input_shape,
                        pipeline_after_reading, positive_index,
                        predict_video, read_resize_step, read_video_frames,
                        remaining_test_pipeline, sample_indices,
                        split_test_pipeline)

__all__ = [
    'add_cross_validation_arguments', 'merge_cross_validation_args',
    'merge_runner_args', 'parse_runner_args',
    'positive_int',
    'add_model_arguments', 'add_prediction_arguments',
    'add_video_selection_arguments', 'load_config_from_args',
    'load_model_from_args', 'load_predictions_from_args',
    'build_loading_dataset', 'dataset_features', 'embed_clip',
    'image_dataset_cfg', 'video_dataset_cfg', 'DECODE_TRANSFORMS',
    'POSITIVE_CLASS', 'StrayFrameFileWarning', 'TruncatedVideoWarning',
    'UnreliableInputError', 'VideoFrames', 'check_video_frames',
    'config_max_frames', 'dataset_classes', 'default_device',
    'frame_resizer', 'init_kga_recognizer', 'model_input_shape',
    'pipeline_after_reading', 'positive_index', 'predict_video',
    'read_resize_step', 'read_video_frames', 'remaining_test_pipeline',
    'sample_indices', 'split_test_pipeline'
]
