"""tools/benchmark.py --quick: every section reports numbers, in JSON and
Markdown. Timings are not asserted (they depend on the machine)."""
import json
import math
import os.path as osp
import subprocess
import sys

import pytest
from builders import load_script

from kga_mmaction.utils import git_commit
from kga_mmaction.utils.device import CPU_FLAG_KEYS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BENCHMARK = osp.join(ROOT, 'tools', 'benchmark.py')
SECTIONS = ('inference', 'baselines', 'train', 'data', 'loader', 'memory',
            'flops', 'deployment')


def numbers(tree):
    """Every int/float leaf of a JSON tree."""
    if isinstance(tree, bool):
        return []
    if isinstance(tree, (int, float)):
        return [tree]
    if isinstance(tree, dict):
        tree = list(tree.values())
    if isinstance(tree, list):
        return [x for item in tree for x in numbers(item)]
    return []


def is_timing(row):
    return all(
        isinstance(row.get(k), float) and row[k] >= 0
        for k in ('median_s', 'q1_s', 'q3_s', 'min_s', 'max_s')) and (
            row['min_s'] <= row['median_s'] <= row['max_s'])


@pytest.fixture(scope='module')
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp('benchmark')
    proc = subprocess.run(
        [sys.executable, BENCHMARK, '--quick', '--device', 'cpu',
         '--out-dir', str(out), '--name', 'quick',
         '--data-root', str(out / 'no-data-here'), '--gpu-step-s', '0.05'],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out / 'quick.json') as f:
        report = json.load(f)
    markdown = (out / 'quick.md').read_text()
    return report, markdown


@pytest.mark.slow
def test_every_section_has_numbers(report):
    report, _ = report
    assert report['errors'] == {}
    assert set(report['sections']) == set(SECTIONS)
    for name in SECTIONS:
        values = numbers(report['sections'][name])
        assert values and all(math.isfinite(v) for v in values), name
    host = report['host']
    assert host['kind'] == 'cpu-' + str(host['cpu_count']) + 'core'
    assert isinstance(host['cpu_native_bf16'], bool)
    assert set(host['cpu_flags']) == set(CPU_FLAG_KEYS)
    assert host['cpu_flags']['bf16'] == host['cpu_native_bf16']
    assert host['commit'] == git_commit(ROOT)  # the checkout it ran from


@pytest.mark.slow
def test_sections_report_what_was_asked(report):
    report, _ = report
    sec = report['sections']
    inference = sec['inference']
    models = {(r['model'], r['frames']) for r in inference['rows']}
    frames = report['sizes']['frames']
    fast = ('kga_fast', 'kga_fast_compiled')
    assert {(m, t) for m in ('kga_fp32', 'tsn_fp32') + fast
            for t in frames} <= models
    assert all(is_timing(r) for r in inference['rows'])
    cfgs = inference['fast_test_cfgs']
    assert set(cfgs) == set(fast)
    assert cfgs['kga_fast']['channels_last'] is True
    assert cfgs['kga_fast_compiled'] == dict(cfgs['kga_fast'], compile=True)
    assert set(inference['compile_s']) == {f'T{t}' for t in frames}
    assert inference['lower_bound']['seconds'] > 0
    for t in frames:
        ratios = inference['ratios'][f'T{t}']
        assert ratios['kga_over_tsn']['of_medians'] > 0
    agreement = inference['agreement']
    seeds = report['sizes']['agreement_seeds']
    for name in fast:
        timed = {r['frames']: r for r in agreement if r['model'] == name
                 and r['videos'] == 1}
        assert set(timed) == set(frames)
        assert all(0 <= r['feature_rel_error'] < 1 for r in timed.values())
        synthetic = [(r['seed'], r['classifier']) for r in agreement
                     if r['model'] == name and r['videos'] > 1]
        assert sorted(synthetic) == sorted(
            (s, c) for s in seeds for c in ('as built', 'fitted'))
    assert all(0 <= r['max_abs_prob_diff'] < 1 for r in agreement)
    assert set(inference['checks']) == {'kga_over_tsn'} | {
        f'{name}_{check}' for name in fast
        for check in ('seconds', 'max_prob_diff')}

    baselines = sec['baselines']
    assert baselines['configs_found'] == len(baselines['rows'])
    assert any(is_timing(r) for r in baselines['rows'])
    for row in baselines['rows']:
        assert is_timing(row) or row['error']

    train = sec['train']
    assert [r['batch'] for r in train['rows']] == ['single_frame_images',
                                                   'replicated_images']
    assert all(is_timing(r) for r in train['rows'])
    assert train['rows'][0]['frames'] < train['rows'][1]['frames']
    assert train['projected_paper_schedule']['hours'] > 0

    data = sec['data']
    assert [r['workers'] for r in data['rows']] == [0, 2]
    assert all(r['samples_per_s'] > 0 for r in data['rows'])
    assert data['model_samples_per_s'] > 0

    loader = sec['loader']
    assert {(r['pipeline'], r['format']) for r in loader['rows']} == {
        (p, f) for p in ('kga_net', 'baselines_3d') for f in ('png', 'jpg')}
    for row in loader['rows']:
        for part in ('clip', 'image'):
            assert 0 < row[part]['decode_share'] < 1
            assert row[part]['steps'][0]['cpu_s'] >= 0
        assert is_timing(row['batch']['cpu']) and is_timing(
            row['batch']['wall'])
    projection = loader['projection']
    assert projection['frames_per_iter'] == 136
    assert [(g['kind'], g.get('step_s')) for g in projection['gpus']][0] == (
        'measured', 0.05)  # --gpu-step-s
    assert [g['kind'] for g in projection['gpus']][1:] == ['assumed'] * 2
    assert all(g['workers']['jpg']['cpu'] >= 1 for g in projection['gpus'])

    memory = sec['memory']['rows']
    assert memory and all('error' not in r for r in memory), memory
    assert all(r['peak_rss_mib'] > 0 for r in memory)
    infer = [r for r in memory if not r['name'].startswith('train')]
    assert infer and all(r['peak_reset'] is True for r in infer), (
        'the warm-up call must not count in the inference peaks')

    flops = sec['flops']
    assert flops['flops_per_frame'] > 0
    assert flops['matmul_peaks']['float32']['best_gflops'] > 0
    assert {'fp32_nchw', 'fp32_channels_last'} <= {
        r['mode'] for r in flops['rows']}

    deployment = sec['deployment']
    assert [r['model'] for r in deployment['rows']] == [
        'kga_fp32', 'kga_fast', 'ort_fp32', 'ort_int8']
    assert all(is_timing(r) and r['frames'] == frames[-1]
               for r in deployment['rows'])
    assert all(c['probabilities'] <= 1e-4
               for c in deployment['export_check'])
    assert deployment['agreement']['ort_fp32'] <= 1e-4
    assert 0 <= deployment['agreement']['ort_int8'] < 1
    assert {'Sigmoid', 'Softmax'} <= set(deployment['float_operators'])
    assert deployment['checks']['ort_int8_over_kga_fp32']['target'] == 0.4


@pytest.mark.slow
def test_markdown_has_every_section(report):
    _, markdown = report
    for title in ('## Inference', '## Baselines', '## One training step',
                  '## Data pipeline', '## Data loader, one worker',
                  '## Peak memory', '## Backbone FLOP/s',
                  '## Deployment: ONNX Runtime'):
        assert title in markdown
    assert '--quick' in markdown
    assert 'CPU flags: avx2 ' in markdown and ', amx ' in markdown


def test_unknown_section_is_refused(tmp_path, capsys):
    """Refused (argparse's exit status 2) before anything runs or is
    written; called in this process, as a fresh one spends seconds
    importing torch."""
    benchmark = load_script(BENCHMARK, 'kga_benchmark_tool')
    with pytest.raises(SystemExit) as exit_info:
        benchmark.main(['--quick', '--sections', 'speed', '--out-dir',
                        str(tmp_path)])
    assert exit_info.value.code == 2
    assert 'unknown sections' in capsys.readouterr().err
    assert not any(tmp_path.iterdir())
