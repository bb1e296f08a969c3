"""Benchmark KGA-Net: inference, baselines, training, data, loader, memory,
FLOP/s.

``python tools/benchmark.py [--device cpu|cuda] [--repeats 5] [--warmup 1]
[--sections inference,baselines,train,data,loader,memory,flops,deployment]
[--skip baselines] [--quick] [--out-dir benchmarks] [--name NAME]
[--data-root DIR] [--train-size PX] [--gpu-step-s S] [--gpu-reports GLOB]``

Everything runs in one process on the same inputs (peak memory: one fresh
subprocess per measurement), several repetitions after warm-up, and is
reported as median with IQR and min/max, plus the ratios, in
``<out-dir>/<name>.md`` and ``<name>.json`` (``name`` defaults to the host
kind, e.g. ``cpu-2core`` or ``cuda-nvidia-h100-80gb-hbm3``). Models have
random weights (``pretrained=None``, ``load_from=None``): speed does not
depend on them. Models compared with each other run interleaved (A, B, A,
B, ...), so that load from other processes hits both alike. Frames are the
synthetic videos (``--data-root``, default ``make demo``'s
``data/busv-like``, else generated into a temp dir) read by the paper
config's test pipeline.

Sections (one module each in ``kga_mmaction/benchmark/sections/``):

* ``inference`` -- one video of T = 16 and 128 frames at 224x224: KGA-Net
  vs MMAction2's TSN with the same ResNet-50 (target: KGA/TSN <= 1.03 at
  T = 128), and KGA-Net's ``--fast`` and ``--fast --compile`` (target: 128
  frames <= 2.5 s, probabilities within 0.01 of fp32), next to the lower
  bound that the measured matmul peak puts on the backbone's FLOPs.
* ``baselines`` -- every config in ``configs/baselines/`` on one test clip
  of its own test pipeline's shape.
* ``train`` -- one training step on the paper's mixed batch, 8 clips of 16
  frames + 8 images: images as single frames vs replicated to 16 frames
  (target: <= 0.6x); and the projected time of the paper's 8,000
  iterations. At 224x224 on CUDA; on CPU at ``--train-size`` (default 112:
  at 224 the replicated batch needs more memory than a small machine has).
* ``data`` -- the demo config's training dataloader with 0 and 2 workers,
  next to the demo model's consumption.
* ``loader`` -- one dataloader worker (the main process) on the paper
  configs' training pipelines (KGA-Net's and the 3D baselines') at the
  real datasets' frame sizes (generated: 600x800 PNG frames, ~500x600
  images), as PNG and converted to JPEG at shorter side 256
  (``tools/data/convert_frames.py``), decoding timed apart from the
  transforms; and the workers one GPU needs at the paper batch, from the
  backbone's FLOPs and a stated GPU throughput, or from a measured step
  (``--gpu-step-s``, else KGA-Net's ``seconds_per_iter`` in the newest
  ``--gpu-reports`` file, default ``benchmarks/gpu-*.json``).
* ``memory`` -- peak memory of inference and of the two training steps.
* ``flops`` -- the backbone's FLOPs per frame and its achieved FLOP/s, next
  to the machine's measured matmul peak.
* ``deployment`` -- the paper's KGA-Net exported to ONNX and quantized to
  int8 (QDQ, per-channel weights), one video of the largest T in ONNX
  Runtime fp32 and int8 next to PyTorch eager fp32 and ``--fast``, and
  their probability differences to eager fp32 (target: int8 / eager fp32
  <= 0.4 at T = 128). CPU only; needs the deploy extra.

``--quick`` shrinks every size (a few frames at 32x32), takes the fast
paths' agreement on one seed of random weights (each seed's compiled model
compiles anew, tens of seconds on a CPU) and measures the peak memory of
the fast inference and of one training step only, so that the whole tool
runs in about a minute; its numbers only show that it works.
"""
import argparse
import os.path as osp
import shutil

import torch
from mmaction.utils import register_all_modules

from kga_mmaction.benchmark.clips import ensure_data_root
from kga_mmaction.benchmark.report import write_report
from kga_mmaction.benchmark.runner import SECTIONS, run_benchmark
from kga_mmaction.benchmark.settings import BenchmarkContext, sizes

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def parse_args(argv=None) -> argparse.Namespace:
    """The flags, with ``section_list`` (the sections to run, in report
    order) and the defaults of ``--repeats``/``--warmup`` filled in."""
    names = tuple(SECTIONS)
    parser = argparse.ArgumentParser(
        description='Benchmark KGA-Net against TSN and the baselines')
    parser.add_argument('--device', default='cuda' if
                        torch.cuda.is_available() else 'cpu')
    parser.add_argument('--repeats', type=int, help='timed repetitions '
                        '(default 5; --quick 2)')
    parser.add_argument('--warmup', type=int, help='untimed warm-up '
                        'repetitions (default 1; --quick 0)')
    parser.add_argument('--sections', default=','.join(names),
                        help=f'comma-separated subset of {names}')
    parser.add_argument('--skip', default='', help='sections to leave out, '
                        'e.g. --skip baselines')
    parser.add_argument('--quick', action='store_true',
                        help='tiny sizes, one agreement seed, two memory '
                        'probes (for the test)')
    parser.add_argument('--out-dir', default=osp.join(ROOT, 'benchmarks'))
    parser.add_argument('--name', help='file name stem (default: the host '
                        'kind, e.g. cpu-2core)')
    parser.add_argument('--data-root', help='synthetic data root (default '
                        'data/busv-like, the demo data, else generated '
                        'into a temp dir)')
    parser.add_argument('--train-size', type=int, help='frame size of the '
                        'train section (default 224 on CUDA, 112 on CPU)')
    parser.add_argument('--gpu-step-s', type=float, help='a measured GPU '
                        'training step of KGA-Net at the paper batch, in '
                        'seconds, for the loader projection')
    parser.add_argument('--gpu-reports', default=osp.join(
        ROOT, 'benchmarks', 'gpu-*.json'), help='glob of tools/gpu_check.py '
        'reports whose KGA-Net seconds_per_iter the loader projection uses '
        'when --gpu-step-s is not given (default benchmarks/gpu-*.json)')
    args = parser.parse_args(argv)
    chosen = [s for s in args.sections.split(',') if s]
    skip = [s for s in args.skip.split(',') if s]
    unknown = sorted(set(chosen + skip) - set(names))
    if unknown:
        parser.error(f'unknown sections {unknown}; choose from {names}')
    args.section_list = [s for s in names if s in chosen and s not in skip]
    if args.repeats is None:
        args.repeats = 2 if args.quick else 5
    if args.warmup is None:
        args.warmup = 0 if args.quick else 1
    if args.repeats < 1 or args.warmup < 0:
        parser.error('--repeats must be >= 1 and --warmup >= 0')
    if args.gpu_step_s is not None and args.gpu_step_s <= 0:
        parser.error('--gpu-step-s must be > 0')
    return args


def main(argv=None) -> dict:
    """Run the benchmark, write its report and return it."""
    args = parse_args(argv)
    register_all_modules(init_default_scope=True)
    data_root, tmp = ensure_data_root(args.data_root, args.quick)
    ctx = BenchmarkContext(
        device=args.device, repeats=args.repeats, warmup=args.warmup,
        sizes=sizes(args.quick, args.device, args.train_size),
        data_root=data_root, train_size=args.train_size,
        gpu_step_s=args.gpu_step_s, gpu_reports=args.gpu_reports)
    try:
        report = run_benchmark(ctx, args.section_list)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    stem, text = write_report(report, args.out_dir,
                              args.name or report['host']['kind'])
    print(text)
    print(f'wrote {stem}.md and {stem}.json')
    if args.device.startswith('cuda') and 'train' in report['sections']:
        p = report['sections']['train']['projected_paper_schedule']
        print(f'projected paper schedule on one GPU: {p["iterations"]} x '
              f'{p["step_s"]:.3f} s = {p["hours"]:.2f} h ({p["note"]})')
    return report


if __name__ == '__main__':
    main()
