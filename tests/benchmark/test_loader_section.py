"""The loader section's parts: the projection's arithmetic, the GPU report
it reads, the paper batch it reads off the configs, one worker's step
timings, and its Markdown."""
import json
import os
import time

import pytest
from mmaction.registry import DATASETS
from mmengine.config import Config

from kga_mmaction.benchmark.builders import KGA_CONFIG
from kga_mmaction.benchmark.projection import (ASSUMED_GPUS, find_gpu_step,
                                               gpu_rows,
                                               kga_step_from_report,
                                               step_seconds, workers_needed)
from kga_mmaction.benchmark.report import loader_md
from kga_mmaction.benchmark.sections.loader import (PIPELINES, batch_shape,
                                                    time_steps, train_cfg)
from kga_mmaction.benchmark.timing import summarize


def test_workers_round_up_and_refuse_non_positive_times():
    assert workers_needed(0.854, 0.0275) == 32  # 31.05 -> 32
    assert workers_needed(1.0, 0.5) == 2  # exactly 2, not 3
    assert workers_needed(0.01, 1.0) == 1
    with pytest.raises(ValueError, match='must be > 0'):
        workers_needed(1.0, 0.)


def test_an_assumed_gpu_step_is_its_frames_at_its_throughput():
    # ResNet-50 at 224: the published figure is frames of this very size
    flops = 8.17e9
    rows = gpu_rows(136, flops)
    assert [r['gpu'] for r in rows] == [g['gpu'] for g in ASSUMED_GPUS]
    for row, gpu in zip(rows, ASSUMED_GPUS):
        assert row['step_s'] == pytest.approx(136 / gpu['frames_per_s'])
        assert row['sustained_tflops'] == pytest.approx(
            gpu['frames_per_s'] * 3 * flops / 1e12)
        assert row['kind'] == 'assumed' and row['source']
    measured = gpu_rows(136, flops, [dict(gpu='x', step_s=0.1, source='s')])
    assert measured[0] == dict(gpu='x', step_s=0.1, source='s',
                               kind='measured')
    assert step_seconds(136, flops, 3 * flops * 136) == pytest.approx(1.)


def test_the_kga_net_step_is_found_in_a_gpu_report(tmp_path):
    report = dict(models={
        'kga-net-wo-coherence_r50': dict(seconds_per_iter=0.5),
        'i3d_r50': dict(seconds_per_iter=0.9),
        'kga-net_r50-in1k-pre_1xb16': dict(seconds_per_iter=0.04,
                                           data_time=0.01)})
    assert kga_step_from_report(report) == ('kga-net_r50-in1k-pre_1xb16',
                                            0.04)
    listed = dict(rows=[dict(name='KGA-Net', seconds_per_iter=0.05),
                        dict(config='configs/kga_net/kga-net_r50-x.py',
                             seconds_per_iter=0.06)])
    assert kga_step_from_report(listed) == ('KGA-Net', 0.05)
    assert kga_step_from_report(listed, prefer='kga-net_r50-x') == (
        'configs/kga_net/kga-net_r50-x.py', 0.06)
    assert kga_step_from_report(dict(i3d=dict(seconds_per_iter=1.))) is None
    # the newest file that has one; broken files are passed over
    (tmp_path / 'gpu-a.json').write_text(json.dumps(report))
    (tmp_path / 'gpu-b.json').write_text('{not json')
    os.utime(tmp_path / 'gpu-a.json', (time.time() - 60, ) * 2)
    (tmp_path / 'gpu-c.json').write_text(json.dumps(listed))
    assert find_gpu_step(str(tmp_path / 'gpu-*.json')) == (
        str(tmp_path / 'gpu-c.json'), 'KGA-Net', 0.05)
    assert find_gpu_step(str(tmp_path / 'none-*.json')) is None


def test_the_paper_batch_is_read_off_the_configs():
    assert batch_shape(Config.fromfile(KGA_CONFIG)) == dict(
        clips=8, images=8, frames_per_clip=16, frames_per_image=1,
        frames=136)
    # 3D: 32-frame clips, images as static 32-frame clips
    assert batch_shape(Config.fromfile(PIPELINES['baselines_3d'])) == dict(
        clips=8, images=8, frames_per_clip=32, frames_per_image=32,
        frames=512)


def test_one_worker_times_every_step_and_splits_off_decoding(tiny_kga):
    cfg = train_cfg(KGA_CONFIG, os.path.dirname(tiny_kga.busv))
    video, image = DATASETS.build(cfg.train_dataloader.dataset).datasets
    clip = time_steps(video, passes=2, warmup=0)
    assert clip['samples'] == len(video)
    assert [s['step'] for s in clip['steps']] == [
        t['type'] for t in cfg.train_dataloader.dataset.video.pipeline]
    total = sum(s['cpu_s'] for s in clip['steps'])
    assert clip['decode_cpu_s'] == pytest.approx(clip['steps'][1]['cpu_s'])
    assert clip['decode_cpu_s'] + clip['transforms_cpu_s'] == pytest.approx(
        total)
    assert clip['cpu']['n'] == 2
    assert clip['cpu']['median_s'] == pytest.approx(total, rel=0.5)
    assert 0 < clip['decode_share'] < 1
    picture = time_steps(image, passes=1, warmup=1)
    assert picture['steps'][0]['step'] == 'LoadImageAsFrames'
    assert picture['decode_cpu_s'] == picture['steps'][0]['cpu_s'] > 0


def fake_loader_section() -> dict:
    t = summarize([0.5, 0.25])
    steps = dict(samples=2, wall=t, cpu=t, steps=[], decode_cpu_s=0.3,
                 transforms_cpu_s=0.075, decode_share=0.8)
    batch = dict(wall=t, cpu=t, clips=8, images=8, frames_per_clip=16,
                 frames_per_image=1, frames=136)
    rows = [dict(pipeline='kga_net', format=fmt, config='c.py', clip=steps,
                 image=steps, batch=batch) for fmt in ('png', 'jpg')]
    rows[0]['jpg_speedup_cpu'] = 12.5
    gpus = gpu_rows(136, 8.17e9, [dict(gpu='gpu-h100', step_s=0.05,
                                       source='benchmarks/gpu-h100.json')])
    for gpu in gpus:
        gpu.update(samples_per_s=16 / gpu['step_s'],
                   workers=dict(png=dict(cpu=32, wall=65),
                                jpg=dict(cpu=3, wall=5)))
    data = dict(videos=8, frames_per_video=64, frame_size=[600, 800],
                images=16, image_height=dict(min=411, mean=497., max=601),
                image_width=dict(min=467, mean=621., max=760),
                short_side=256, jpeg_quality=95, convert_s_per_frame=0.013,
                mib=dict(png=108., jpg=13.9))
    return dict(data=data, rows=rows, note='A note', projection=dict(
        pipeline='kga_net', frames_per_iter=136,
        batch=dict(clips=8, images=8), flops_per_frame=8.17e9,
        frame_size=224, train_flops_per_forward=3, gpus=gpus,
        cores=dict(lent_h100_machine=16, this_machine=2)))


def test_markdown_shows_samples_batches_and_workers():
    text = '\n'.join(loader_md(fake_loader_section()))
    assert '8 BUSV-like videos x 64 frames of 600x800 (HxW) PNG' in text
    assert '411-601 (mean 497) x 467-760 (mean 621)' in text
    assert ('| kga_net | png | clip (16 frames) | 375 | 375 | 2.67 | 300 '
            '| 75 | 0.8 |') in text
    assert '| kga_net | png | 8 clips + 8 images (136 frames) | 0.375 |' in (
        text)
    assert '| 12.5 |' in text
    assert '3.33 TFLOP per iteration' in text
    assert ('| gpu-h100 | measured | - | - | 0.05 | 320 | 32 / 65 | 3 / 5 |'
            in text)
    assert '| A100 80GB | assumed | 2470 | 60.5 | 0.0551 |' in text
    assert '- gpu-h100, measured: benchmarks/gpu-h100.json.' in text
    assert 'lent h100 machine 16, this machine 2' in text
