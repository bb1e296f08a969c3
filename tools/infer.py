"""Diagnose one breast ultrasound video with a trained KGA-Net.

``python tools/infer.py CONFIG CHECKPOINT INPUT [--top-k 5]
[--save-strip strip.png] [--max-frames N] [--device DEV]
[--fast] [--frame-chunk-size N] [--compile] [--trust-checkpoint]
[--backend onnxruntime --onnx model.onnx]``

INPUT is a video file (``.mp4``, ``.avi``, ..., or no extension; decoded
with OpenCV) or a folder holding one numbered sequence of PNG/JPG/BMP/TIFF/
WebP frames (in frame-number order; an image without a frame number, e.g.
``thumbnail.png``, is left out with a warning; a frame number stored twice
or a second naming pattern is an error). Up to ``--max-frames`` frames
(default: the model's ``max_frames``, 128 as in the paper) are sampled
uniformly, resized as they are read by the test pipeline's first ``Resize``
(memory does not grow with the source resolution) and go through the rest
of the pipeline. 16-bit frames are read by the range their values use, with
a warning. Prints the malignancy probability, the predicted class and the
``--top-k`` frames with the highest attention (0-based frame index in the
video, weight). A missing, empty or undecodable INPUT exits with status 1
and a message naming it, and so do an input that fails the input checks (a
mostly blank video, frames far smaller than the model input; see
:mod:`kga_mmaction.datasets.input_sanity`) and NaN or infinite model
outputs: no diagnosis is printed from them. ``--save-strip`` is checked
before any work: its suffix picks the format (``.png``, ``.jpg``, ``.pdf``,
``.svg``) and its folder must exist. ``--fast`` runs the backbone in
channels_last, with bf16 (CPU with native bf16) or fp16 (CUDA) autocast,
8 (CPU) or 32 (CUDA) frames at a time (see
:mod:`kga_mmaction.models.recognizers.fast_inference`);
``--frame-chunk-size`` sets the frames per call alone; ``--compile`` embeds
with ``torch.compile`` (which takes longer than one video saves: it pays
off in ``tools/test.py`` over a test set).

``--backend onnxruntime --onnx model.onnx`` runs a model exported by
``tools/deployment/export_onnx.py`` (fp32 or int8) in ONNX Runtime instead
of PyTorch, on the same frames, and prints the same report; CHECKPOINT is
then not read (give ``-``) and ``--fast``, ``--frame-chunk-size`` and
``--compile`` do not apply. Needs the deploy extra.
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

from kga_mmaction.apis import (POSITIVE_CLASS, UnreliableInputError,
                               add_model_arguments, check_video_frames,
                               config_max_frames, dataset_classes,
                               init_kga_recognizer, load_config_from_args,
                               model_input_shape, pipeline_after_reading,
                               positive_index, positive_int, predict_video,
                               read_video_frames, remaining_test_pipeline)
from kga_mmaction.evaluation import NonFiniteScoreError
from kga_mmaction.evaluation.functional import top_k_frames
from kga_mmaction.models.recognizers.inference_flags import \
    set_inference_test_cfg
from kga_mmaction.visualization import (figure_format, plot_attention_strip,
                                        save_figure)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Malignancy probability and keyframes of one video')
    add_model_arguments(parser)
    parser.add_argument('input', help='video file or folder of frames')
    parser.add_argument('--top-k', type=int, default=5,
                        help='keyframes to list (default: 5)')
    parser.add_argument('--save-strip', metavar='FILE',
                        help='save the attention strip figure here; the '
                        'suffix picks the format (.png, .jpg, .pdf, .svg)')
    parser.add_argument('--max-frames', type=positive_int,
                        help="frames to sample (default: the model's "
                        'max_frames)')
    parser.add_argument('--fast', action='store_true',
                        help='channels_last, bf16/fp16 autocast where the '
                        'device runs it natively, 8 (CPU) or 32 (CUDA) '
                        'frames per backbone call')
    parser.add_argument('--frame-chunk-size', type=int, metavar='N',
                        help='embed at most N frames per backbone call '
                        '(model.test_cfg.max_testing_views)')
    parser.add_argument('--compile', action='store_true',
                        help='embed with torch.compile (compiles first)')
    parser.add_argument('--backend', choices=('pytorch', 'onnxruntime'),
                        default='pytorch',
                        help='run the model in PyTorch (CHECKPOINT) or in '
                        'ONNX Runtime (--onnx) (default: pytorch)')
    parser.add_argument('--onnx', metavar='FILE',
                        help='the .onnx model for --backend onnxruntime')
    args = parser.parse_args(argv)
    if (args.backend == 'onnxruntime') != (args.onnx is not None):
        parser.error('--backend onnxruntime and --onnx go together')
    if args.backend == 'onnxruntime' and (
            args.fast or args.compile or args.frame_chunk_size is not None):
        parser.error('--fast, --compile and --frame-chunk-size are PyTorch '
                     'options; they do not apply to --backend onnxruntime')
    if args.top_k < 1:
        parser.error(f'--top-k must be >= 1, got {args.top_k}')
    if args.save_strip is not None:
        try:
            figure_format(args.save_strip)
        except (ValueError, FileNotFoundError) as err:
            parser.error(f'--save-strip: {err}')
    if args.frame_chunk_size is not None and args.frame_chunk_size < 1:
        parser.error('--frame-chunk-size must be >= 1, got '
                     f'{args.frame_chunk_size}')
    return args


def predict_onnx(path: str, cfg, classes, video):
    """The prediction of the ONNX model at ``path`` (whose classes must be
    the config's) on ``video``."""
    from kga_mmaction.deployment import OnnxVideoModel, predict_video_onnx
    model = OnnxVideoModel(path)
    if tuple(model.classes) != tuple(classes):
        raise ValueError(f'{path} was exported with classes {model.classes}'
                         f', the config has {tuple(classes)}')
    return predict_video_onnx(model, video,
                              remaining_test_pipeline(cfg, video))


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    cfg = load_config_from_args(args)
    classes = dataset_classes(cfg.test_dataloader.dataset)
    positive = positive_index(classes)
    limit = config_max_frames(cfg)
    max_frames = limit if args.max_frames is None else args.max_frames
    if not 1 <= max_frames <= limit:
        sys.exit(f'error: --max-frames must be in [1, {limit}] (the '
                 f"model's max_frames), got {max_frames}")
    try:
        set_inference_test_cfg(cfg, args.device, args.fast,
                               args.frame_chunk_size, args.compile)
    except ValueError as err:
        sys.exit(f'error: {err}')
    resize, rest = pipeline_after_reading(cfg)
    try:  # before building the model, so that a bad INPUT fails fast
        video = read_video_frames(args.input, max_frames, resize)
        check_video_frames(video, model_input_shape(video, rest))
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'error: {err}')
    try:
        pred = (predict_onnx(args.onnx, cfg, classes, video)
                if args.backend == 'onnxruntime' else predict_video(
                    init_kga_recognizer(cfg, args.checkpoint, args.device,
                                        args.trust_checkpoint,
                                        args.allow_partial_checkpoint),
                    video))
    except (NonFiniteScoreError, UnreliableInputError, ValueError,
            FileNotFoundError, ImportError) as err:
        sys.exit(f'error: {err}')

    probability = float(pred.pred_score[positive])
    print(f'input: {video.source}')
    print(f'frames: {len(video.frames)} sampled of {video.total_frames}')
    print(f'{POSITIVE_CLASS} probability: {probability:.4f}')
    print('prediction: ' + classes[pred.pred_label] + ' (' + ', '.join(
        f'{name} {p:.4f}' for name, p in zip(classes, pred.pred_score)) +
          ')')
    top = top_k_frames(pred.frame_weights, args.top_k)
    print(f'top-{len(top)} keyframes (rank, frame index, attention weight):')
    for rank, pos in enumerate(top, start=1):
        line = (f'  {rank:2d}  frame {int(pred.frame_inds[pos]):6d}  '
                f'weight {pred.frame_weights[pos]:.4f}')
        if video.frame_files:
            line += f'  {osp.basename(video.frame_files[pos])}'
        print(line)
    if args.save_strip:
        fig = plot_attention_strip(
            video.frames, pred.frame_weights, pred.frame_inds,
            top_k=min(args.top_k, len(top)),
            title=(f'{osp.basename(video.source)}  P({POSITIVE_CLASS}) = '
                   f'{probability:.3f}'))
        print(f'wrote {save_figure(fig, args.save_strip)}')


if __name__ == '__main__':
    main()
