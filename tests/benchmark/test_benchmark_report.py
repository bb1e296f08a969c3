"""kga_mmaction.benchmark.report: the JSON and Markdown files."""
import json

from kga_mmaction.benchmark.report import fmt, markdown, write_report
from kga_mmaction.benchmark.timing import summarize


def test_fmt_cells():
    assert fmt(None) == '-'
    assert fmt(float('nan')) == 'nan'
    assert fmt(0.123456) == '0.123'
    assert fmt(0.123456, 2) == '0.12'
    assert fmt(123456.7) == '123457'
    assert fmt(True) == 'True'


def report_with_data_section(error: str) -> dict:
    timing = summarize([0.5, 0.25])
    host = dict(kind='cpu-2core', commit='abc1234', device='cpu',
                cpu='test cpu', cpu_count=2,
                cpu_flags=dict(avx2=True, avx512=True, bf16=False,
                               vnni=False, amx=False),
                torch_threads=2, cpu_native_bf16=False, torch='2.x',
                load_average=None)
    data = dict(config='configs/demo/x.py', data_root='/data', batch_size=8,
                rows=[dict(workers=0, batches=[2], seconds_per_sample=timing,
                           samples_per_s=3., pipeline_over_consumption=1.5)],
                model_step=timing, model_iters_per_s=0.25,
                model_samples_per_s=2., note='a note')
    return dict(created='2024-01-01T00:00:00+00:00', host=host, quick=True,
                repeats=2, warmup=0, sizes={}, targets={},
                sections=dict(data=data), errors=dict(memory=error),
                seconds=dict(data=1., memory=2.))


def test_markdown_shows_sections_that_ran_and_those_that_failed():
    text = markdown(report_with_data_section('Traceback: boom'))
    assert text.startswith('# KGA-Net benchmark: cpu-2core')
    assert ', commit abc1234; device `cpu`' in text
    assert ('CPU flags: avx2 yes, avx512 yes, bf16 no, vnni no, amx no;'
            in text)
    assert '**--quick' in text
    assert '## Data pipeline vs model' in text
    assert '| 0 | 3 | 1.5 |' in text
    assert '## memory: failed' in text and 'Traceback: boom' in text
    assert '## Inference' not in text and '## Peak memory' not in text


def test_write_report_writes_json_and_markdown(tmp_path):
    report = report_with_data_section('boom')
    stem, text = write_report(report, str(tmp_path / 'out'), 'quick')
    assert stem == str(tmp_path / 'out' / 'quick')
    with open(stem + '.json') as f:
        assert json.load(f) == report
    with open(stem + '.md') as f:
        assert f.read() == text + '\n'
