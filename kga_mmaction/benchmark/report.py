"""The benchmark report: ``<name>.json`` (everything measured) and
``<name>.md`` (the tables a reader wants)."""
import json
import os
import os.path as osp
from typing import Callable, Dict, List

#: Columns of every timing.
TIME_HEADER = ['median s', 'IQR s', 'min-max s', 'n']
#: Characters of an error shown in a Markdown cell.
ERROR_CELL = 120
#: From this up, numbers are shown without decimals.
LARGE = 1e3


def fmt(x, digits: int = 3) -> str:
    """A table cell: ``digits`` significant digits, ``-`` for None."""
    if x is None:
        return '-'
    if isinstance(x, float):
        if x != x:
            return 'nan'
        return f'{x:.{digits}g}' if abs(x) < LARGE else f'{x:.0f}'
    return str(x)


def timing_cells(t: dict) -> List[str]:
    """The :data:`TIME_HEADER` cells of a timing."""
    return [f'{t["median_s"]:.3f}', f'{t["q1_s"]:.3f}-{t["q3_s"]:.3f}',
            f'{t["min_s"]:.3f}-{t["max_s"]:.3f}', str(t['n'])]


def table(header: List[str], rows: List[List[str]]) -> List[str]:
    """A Markdown table, then an empty line."""
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join(' --- ' for _ in header) + '|']
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return lines + ['']


def checks_md(checks: dict, where: str) -> List[str]:
    """One line: each target, its value and whether it was met."""
    return [f'Targets ({where}): ' + '; '.join(
        f'{k} {fmt(v["value"], 4)} <= {v["target"]}: '
        f'{"met" if v["met"] else "NOT met"}' for k, v in checks.items()) +
        '.', '']


def inference_md(s: dict) -> List[str]:
    """The inference section: timings, ratios, agreement, lower bound."""
    md = ['## Inference, one video', '',
          f'`test_step` from uint8 frames at {s["rows"][0]["size"]}px, '
          'preprocessing included. Fast paths (`test_cfg`): ' +
          '; '.join(f'{k} `{v}`' for k, v in s['fast_test_cfgs'].items())
          + '. Compiling (first call, not in the timings): ' +
          ', '.join(f'{k} {v:.1f} s' for k, v in s['compile_s'].items())
          + '.', '']
    md += table(['model', 'T'] + TIME_HEADER + ['frames/s', 'GFLOP/s'], [
        [r['model'], str(r['frames'])] + timing_cells(r) +
        [fmt(r.get('frames_per_s')), fmt(r.get('achieved_gflops'))]
        for r in s['rows']])
    fast_names = list(s['fast_test_cfgs'])
    md += table(['T', 'KGA/TSN (medians)', 'KGA/TSN paired [min, max]'] +
                [f'{n}/kga_fp32 (medians)' for n in fast_names], [
        [k, fmt(v['kga_over_tsn']['of_medians'], 4),
         f'{fmt(v["kga_over_tsn"]["paired_median"], 4)} '
         f'[{fmt(v["kga_over_tsn"]["paired_min"], 3)}, '
         f'{fmt(v["kga_over_tsn"]["paired_max"], 3)}]'] +
        [fmt(v[f'{n}_over_kga']['of_medians'], 3) for n in fast_names]
        for k, v in s['ratios'].items()])
    md += ['Fast paths vs fp32 (random weights from each seed; the '
           'fitted classifier spreads the probabilities over ~0.1-0.9):',
           '']
    md += table(['model', 'seed', 'videos x frames', 'classifier',
                 'max prob diff', 'max weight diff', 'feature rel err',
                 'AUC fp32', 'AUC fast'], [
        [r['model'], str(r['seed']), f'{r["videos"]} x {r["frames"]}',
         r['classifier'], fmt(r['max_abs_prob_diff']),
         fmt(r.get('max_abs_weight_diff')),
         fmt(r.get('feature_rel_error')), fmt(r.get('auc_fp32')),
         fmt(r.get('auc_fast'))] for r in s['agreement']])
    b = s['lower_bound']
    md += [f'Lower bound: {fmt(s["backbone_flops_per_frame"] / 1e9)} '
           f'GFLOP x {b["frames"]} frames at the measured {b["dtype"]} '
           f'matmul peak of {fmt(b["peak_gflops"])} GFLOP/s = '
           f'{fmt(b["seconds"])} s for the backbone alone.', '']
    return md + checks_md(s['checks'], s['targets_at'])


def baselines_md(s: dict) -> List[str]:
    """The baselines section: one row per config."""
    md = ['## Baselines (configs/baselines), one test clip', '',
          f'{s["configs_found"]} configs found.', '']
    return md + table(['config', 'model', 'input'] + TIME_HEADER +
                      ['frames/s', 'error'], [
        [osp.basename(r['config']), r.get('model', '-'),
         'x'.join(map(str, r.get('input_shape', [])))] +
        (timing_cells(r) if 'median_s' in r else ['-'] * len(TIME_HEADER)) +
        [fmt(r.get('frames_per_s')), r.get('error', '')[:ERROR_CELL]]
        for r in s['rows']])


def train_md(s: dict) -> List[str]:
    """The train section: both steps, their ratio, the paper schedule."""
    md = ['## One training step, paper mixed batch', '',
          f'{s["videos"]} clips x {s["frames_per_clip"]} frames + '
          f'{s["images"]} images at {s["size"]}px; `train_step` '
          '(forward, losses, backward, SGD), weights restored before '
          f'each step (restore alone: {s["weight_restore_s"]:.3f} s, '
          'included).', '']
    md += table(['batch', 'frames'] + TIME_HEADER, [
        [r['batch'], str(r['frames'])] + timing_cells(r)
        for r in s['rows']])
    r = s['single_over_replicated']
    p = s['projected_paper_schedule']
    md += [f'single-frame / replicated: {fmt(r["of_medians"], 3)} '
           f'(paired {fmt(r["paired_median"], 3)} '
           f'[{fmt(r["paired_min"], 3)}, {fmt(r["paired_max"], 3)}]).',
           '',
           f'Projected paper schedule: {p["iterations"]} x '
           f'{p["step_s"]:.3f} s = {p["hours"]:.2f} h on {p["device"]} '
           f'({p["note"]}).', '']
    return md + checks_md(s['checks'], 'train')


def data_md(s: dict) -> List[str]:
    """The data section: samples/s per worker count vs the model's."""
    md = ['## Data pipeline vs model', '',
          f'`{s["config"]}` training dataloader (batch '
          f'{s["batch_size"]}) on `{s["data_root"]}`.', '']
    md += table(['workers', 'samples/s', 'pipeline/consumption'], [
        [str(r['workers']), fmt(r['samples_per_s']),
         fmt(r['pipeline_over_consumption'])] for r in s['rows']])
    return md + [f'Model: {fmt(s["model_iters_per_s"])} it/s x '
                 f'{s["batch_size"]} = {fmt(s["model_samples_per_s"])} '
                 f'samples/s ({s["note"]}).', '']


def loader_md(s: dict) -> List[str]:
    """The loader section: per sample and per batch on PNG and JPEG, then
    the workers a GPU needs."""
    d = s['data']
    h, w = d['image_height'], d['image_width']
    md = ['## Data loader, one worker, paper pipelines on real-size frames',
          '',
          f'Data (generated): {d["videos"]} BUSV-like videos x '
          f'{d["frames_per_video"]} frames of '
          f'{d["frame_size"][0]}x{d["frame_size"][1]} (HxW) PNG and '
          f'{d["images"]} BUSI-like PNG images of {h["min"]}-{h["max"]} '
          f'(mean {fmt(h["mean"])}) x {w["min"]}-{w["max"]} (mean '
          f'{fmt(w["mean"])}); the same converted by '
          '`tools/data/convert_frames.py` to JPEG (quality '
          f'{d["jpeg_quality"]}) at shorter side {d["short_side"]} '
          f'({fmt(1e3 * d["convert_s_per_frame"])} ms per file): '
          f'{fmt(d["mib"]["png"])} MiB as PNG, {fmt(d["mib"]["jpg"])} MiB '
          f'as JPEG. {s["note"]}.', '']
    md += table(['pipeline', 'data', 'sample', 'CPU ms', 'wall ms',
                 'per worker /s (CPU)', 'decode ms (CPU)',
                 'transforms ms (CPU)', 'decode share'], [
        [r['pipeline'], r['format'], label,
         fmt(1e3 * t['cpu']['median_s']), fmt(1e3 * t['wall']['median_s']),
         fmt(1 / t['cpu']['median_s']), fmt(1e3 * t['decode_cpu_s']),
         fmt(1e3 * t['transforms_cpu_s']), fmt(t['decode_share'], 2)]
        for r in s['rows'] for label, t in (
            (f'clip ({r["batch"]["frames_per_clip"]} frames)', r['clip']),
            (f'image (x{r["batch"]["frames_per_image"]})', r['image']))])
    md += ['The config\'s training dataloader, `num_workers=0`:', '']
    md += table(['pipeline', 'data', 'batch', 'CPU s', 'wall s', 'wall IQR s',
                 'batches/s per worker (CPU)', 'PNG/JPEG (CPU)'], [
        [r['pipeline'], r['format'],
         f'{r["batch"]["clips"]} clips + {r["batch"]["images"]} images '
         f'({r["batch"]["frames"]} frames)',
         f'{r["batch"]["cpu"]["median_s"]:.3f}',
         f'{r["batch"]["wall"]["median_s"]:.3f}',
         f'{r["batch"]["wall"]["q1_s"]:.3f}-'
         f'{r["batch"]["wall"]["q3_s"]:.3f}',
         fmt(1 / r['batch']['cpu']['median_s']),
         fmt(r.get('jpg_speedup_cpu'))] for r in s['rows']])
    p = s['projection']
    tflop = p['train_flops_per_forward'] * p['flops_per_frame'] * p[
        'frames_per_iter'] / 1e12
    md += [f'### Workers one GPU needs ({p["pipeline"]}, paper batch)', '',
           f'{fmt(p["flops_per_frame"] / 1e9)} GFLOP per {p["frame_size"]}px '
           f'frame forward, x{p["train_flops_per_forward"]} for training, '
           f'x {p["frames_per_iter"]} frames per iteration '
           f'({p["batch"]["clips"]} clips + {p["batch"]["images"]} images) '
           f'= {fmt(tflop)} TFLOP per iteration. Workers = one worker\'s '
           'seconds per batch (CPU time; wall time on this machine) / the '
           'GPU\'s step, rounded up.', '']
    md += table(['GPU', 'step from', 'frames/s', 'TFLOP/s', 'step s',
                 'samples/s', 'workers PNG (CPU / wall)',
                 'workers JPEG (CPU / wall)'], [
        [g['gpu'], g['kind'], fmt(g.get('frames_per_s')),
         fmt(g.get('sustained_tflops')), fmt(g['step_s']),
         fmt(g['samples_per_s']),
         f'{g["workers"]["png"]["cpu"]} / {g["workers"]["png"]["wall"]}',
         f'{g["workers"]["jpg"]["cpu"]} / {g["workers"]["jpg"]["wall"]}']
        for g in p['gpus']])
    md += [f'- {g["gpu"]}, {g["kind"]}: {g["source"]}.' for g in p['gpus']]
    return md + ['', 'CPU cores: ' + ', '.join(
        f'{k.replace("_", " ")} {v}' for k, v in p['cores'].items()) +
        ' (each worker needs one; the training process one more).', '']


def memory_md(s: dict) -> List[str]:
    """The memory section: one row per probe."""
    md = ['## Peak memory', '', s['method'] + '.', '']
    return md + table(['measurement', 'peak RSS MiB', 'growth MiB',
                       'CUDA peak MiB', 'error'], [
        [r['name'], fmt(r.get('peak_rss_mib'), 5),
         fmt(r.get('peak_rss_growth_mib'), 5),
         fmt(r.get('cuda_peak_mib'), 5), r.get('error', '')[-ERROR_CELL:]
         .replace('\n', ' ')] for r in s['rows']])


def flops_md(s: dict) -> List[str]:
    """The flops section: one row per mode, next to the matmul peaks."""
    md = ['## Backbone FLOP/s', '',
          f'{s["backbone"]}: {fmt(s["gflops_per_frame"])} GFLOP per '
          f'frame; {s["peak_note"]}: ' + ', '.join(
              f'{k} {fmt(v["best_gflops"])} GFLOP/s (n={v["n"]})'
              for k, v in s['matmul_peaks'].items()) + '.', '']
    return md + table(['mode', 'frames'] + TIME_HEADER +
                      ['GFLOP/s', 'peak GFLOP/s', 'of peak'], [
        [r['mode'], str(r['frames'])] + timing_cells(r) +
        [fmt(r['achieved_gflops']), fmt(r['peak_gflops']),
         fmt(r['fraction_of_peak'], 2)] for r in s['rows']])


def deployment_md(s: dict) -> List[str]:
    """The deployment section: ONNX Runtime fp32/int8 next to PyTorch."""
    md = ['## Deployment: ONNX Runtime', '',
          f'onnx {s["versions"]["onnx"]}, onnxruntime '
          f'{s["versions"]["onnxruntime"]}, {s["threads"]} threads each. '
          'int8: static QDQ, per-channel weights; left in float: ' +
          ', '.join(f'{k} {v}' for k, v in s['float_operators'].items()) +
          '. Export check, max |ONNX Runtime - PyTorch| in probability: ' +
          ', '.join(f'{c["name"]} {c["probabilities"]:.1e}'
                    for c in s['export_check']) + '.', '']
    md += table(['model', 'T'] + TIME_HEADER +
                ['/ kga_fp32', 'max prob. diff. to kga_fp32'], [
        [r['model'], str(r['frames'])] + timing_cells(r) +
        [fmt(s['ratios'].get(f'{r["model"]}_over_kga_fp32', {}).get(
            'of_medians', 1.0)), fmt(s['agreement'].get(r['model']))]
        for r in s['rows']])
    return md + checks_md(s['checks'], f'T={s["rows"][0]["frames"]}')


#: Each section's Markdown, in report order.
SECTION_MARKDOWN: Dict[str, Callable[[dict], List[str]]] = dict(
    inference=inference_md, baselines=baselines_md, train=train_md,
    data=data_md, loader=loader_md, memory=memory_md, flops=flops_md,
    deployment=deployment_md)


def cpu_flags_md(host: dict) -> str:
    """``avx2 yes, avx512 yes, bf16 no, vnni yes, amx no``."""
    return ', '.join(f'{name} {"yes" if has else "no"}'
                     for name, has in host['cpu_flags'].items())


def markdown(report: dict) -> str:
    """The report as Markdown: the host, then every section that ran, then
    every section that failed, with its traceback."""
    host = report['host']
    md = [f'# KGA-Net benchmark: {host["kind"]}', '',
          f'{report["created"]}, commit {host["commit"]}; device '
          f'`{host["device"]}`, CPU '
          f'{host["cpu"]} ({host["cpu_count"]} cores, {host["torch_threads"]}'
          f' torch threads), CPU flags: {cpu_flags_md(host)}; native bf16 '
          f'for oneDNN: {host["cpu_native_bf16"]}, torch '
          f'{host["torch"]}; load average at start '
          f'{fmt(host["load_average"])}. Repeats {report["repeats"]} after '
          f'{report["warmup"]} warm-up; models compared with each other ran '
          'interleaved. Random weights.', '']
    if report['quick']:
        md += ['**--quick: tiny sizes, the numbers only show that the tool '
               'works.**', '']
    for name, section_md in SECTION_MARKDOWN.items():
        if name in report['sections']:
            md += section_md(report['sections'][name])
    for name, err in report.get('errors', {}).items():
        md += [f'## {name}: failed', '', '```', err, '```', '']
    return '\n'.join(md)


def write_report(report: dict, out_dir: str, name: str) -> tuple:
    """Write ``<out_dir>/<name>.json`` and ``<name>.md``.

    Returns:
        tuple[str, str]: The path stem and the Markdown text.
    """
    os.makedirs(out_dir, exist_ok=True)
    stem = osp.join(out_dir, name)
    with open(stem + '.json', 'w') as f:
        json.dump(report, f, indent=1)
    text = markdown(report)
    with open(stem + '.md', 'w') as f:
        f.write(text + '\n')
    return stem, text
