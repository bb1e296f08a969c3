"""``benchmarks/gpu-<name>.json`` and ``.md``: what the check measured."""
import json
import os.path as osp
from typing import List

from kga_mmaction.utils.atomic import write_atomically


def cell(value, digits: int = 3) -> str:
    """A number for the table; ``-`` where nothing was measured."""
    if value is None:
        return '-'
    if isinstance(value, float):
        return f'{value:.{digits}g}'
    return str(value)


def status(row: dict) -> str:
    """``ok``, or what went wrong first."""
    train = row['train']
    if train['timed_out']:
        return 'train timed out'
    if train['returncode'] != 0:
        return f'train failed (exit {train["returncode"]})'
    bad = [k for k, ok in train.get('losses_finite', {}).items() if not ok]
    if bad:
        return 'non-finite ' + ', '.join(bad)
    for name, test in row['test'].items():
        if test['timed_out'] or test['returncode'] != 0 or not test['videos']:
            return f'test {name} failed'
    return 'ok' if row['ok'] else 'no test run'


def markdown(report: dict) -> str:
    """The report as a page."""
    env, s = report['environment'], report['settings']
    packages = ', '.join(f'{k} {v}' for k, v in env['packages'].items()
                         if v is not None)
    lines = [
        f'# GPU check: {report["name"]}', '',
        f'Made by `{report["command"]}` at commit `{report["commit"]}` on '
        f'{report["date"]}.', '',
        f'Device `{env["device"]}` ({env["device_name"]}); Python '
        f'{env["python"]}, torch {env["torch"]}, CUDA {env["torch_cuda"]}, '
        f'cuDNN {env["cudnn"]}; {packages}.', '',
        f'Each paper config trained from random init for {s["iters"]} '
        f'iterations{" with --amp" if s["amp"] else " (no --amp: fp32)"}'
        f'{", tiny clips" if s["tiny"] else ""}, on data made by '
        f'`{s["data_command"]}`, then tested with `tools/test.py` on '
        f'{s["test_videos"]} videos. Times are medians after the first '
        'iteration or video (warm-up); data wait is mmengine\'s `data_time` '
        'over the iteration time; peak memory is mmengine\'s '
        '`max_memory_allocated` (CUDA only).', '',
        '| model | status | s/iter | data wait | peak train MB | losses '
        'finite | test s/video | fast | fast+compile | peak test MB | '
        'frames/video |',
        '|---' * 11 + '|'
    ]
    for name, row in report['models'].items():
        train, tests = row['train'], row['test']
        finite = train.get('losses_finite', {})
        share = train.get('data_wait_share')
        lines.append('| ' + ' | '.join([
            name, status(row), cell(train.get('seconds_per_iter')),
            '-' if share is None else f'{100 * share:.0f} %',
            cell(train.get('peak_memory_mb')),
            ('yes' if finite and all(finite.values()) else 'no') +
            f' ({len(finite)} terms)',
            *[cell(tests.get(t, {}).get('seconds_per_video'))
              for t in ('fp32', 'fast', 'fast+compile')],
            cell(max((t['peak_memory_mb'] for t in tests.values()
                      if t.get('peak_memory_mb') is not None), default=None)),
            cell(s['frames_per_video'])
        ]) + ' |')
    return '\n'.join(lines) + '\n'


def write_report(report: dict, out_dir: str) -> List[str]:
    """Write ``gpu-<name>.json`` and ``.md`` atomically; their paths."""
    stem = osp.join(out_dir, f'gpu-{report["name"]}')
    write_atomically(stem + '.json',
                     lambda f: json.dump(report, f, indent=1, default=str))
    write_atomically(stem + '.md', lambda f: f.write(markdown(report)))
    return [stem + '.json', stem + '.md']
