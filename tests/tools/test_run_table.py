"""tools/analysis/run_table.py: train + test over seeds, table, skipping."""
import json
import os.path as osp
import subprocess
import sys

import pytest

from runner_options import (DEMO, ROOT, cfg_options, make_tiny_data,
                            tiny_training_options)

TOOL = osp.join(ROOT, 'tools', 'analysis', 'run_table.py')


def options(data_root):
    # run_table passes one --cfg-options list to both tools
    return [
        '--cfg-options', *cfg_options(data_root, max_iters=2)[1:],
        *tiny_training_options()[1:], 'test_dataloader.dataset.pipeline.2.'
        'scale=(32,32)'
    ]


@pytest.mark.slow
def test_table_over_two_seeds_and_skipping_finished_runs(tmp_path):
    data_root = make_tiny_data(tmp_path / 'data')
    out = tmp_path / 'table.md'
    args = [sys.executable, TOOL, '--configs', DEMO, '--names', 'KGA-Net',
            '--seeds', '0', '1', '--work-root', str(tmp_path / 'runs'),
            '--out', str(out), '--title', 'Tiny', *options(data_root)]
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True)
    table = out.read_text()
    row = next(line for line in table.splitlines()
               if line.startswith('| KGA-Net'))
    assert row.count('+-') == 4  # AUC, ACC, sensitivity, specificity
    stem = osp.splitext(osp.basename(DEMO))[0]
    metrics = [
        json.loads((tmp_path / 'runs' / stem / f'seed{s}' /
                    'metrics.json').read_text()) for s in (0, 1)
    ]
    assert [m['seed'] for m in metrics] == [0, 1]
    assert all(0 <= m['auc'] <= 1 and m['num_videos'] == 2 for m in metrics)
    assert f'tools/train.py {DEMO}' in table and '--seed 1' in table

    # a finished run is not trained again: its metrics are reused as they are
    run_dir = tmp_path / 'runs' / stem / 'seed1'
    log_mtime = (run_dir / 'run.log').stat().st_mtime_ns
    (run_dir / 'metrics.json').write_text(
        json.dumps(dict(metrics[1], auc=0.5)))
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True)
    assert (run_dir / 'run.log').stat().st_mtime_ns == log_mtime
    mean_auc = 100 * (metrics[0]['auc'] + 0.5) / 2
    assert f'| KGA-Net | {mean_auc:.2f} +- ' in out.read_text()


def test_wrong_number_of_names_is_refused(tmp_path):
    result = subprocess.run(
        [sys.executable, TOOL, '--configs', DEMO, DEMO, '--names', 'one',
         '--out', str(tmp_path / 't.md')],
        cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    assert '--names needs one name per config' in result.stderr
