"""tools/infer.py: one video file or frame folder, and bad inputs.

The bad inputs run the tool's ``main`` in this process (a fresh one spends
seconds importing torch): it must exit with a message, which Python prints
without a traceback, with exit status 1.
"""
import importlib.util
import os.path as osp
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
INFER = osp.join(ROOT, 'tools', 'infer.py')
PROBABILITY = re.compile(r'^malignant probability: (\S+)$', re.MULTILINE)
KEYFRAME = re.compile(r'^\s+(\d+)\s+frame\s+(\d+)\s+weight (\S+)',
                      re.MULTILINE)


def run_infer(tiny_kga, *args):
    return subprocess.run(
        [sys.executable, INFER, tiny_kga.config, tiny_kga.checkpoint,
         *map(str, args), '--device', 'cpu'],
        cwd=ROOT, capture_output=True, text=True, timeout=300)


def load_infer():
    spec = importlib.util.spec_from_file_location('kga_infer_tool', INFER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def exit_message(tiny_kga, checkpoint, path) -> str:
    """The message that ``main`` exits with on ``path`` (it must exit so)."""
    with pytest.raises(SystemExit) as info:
        load_infer().main([tiny_kga.config, str(checkpoint), str(path),
                           '--device', 'cpu'])
    assert isinstance(info.value.code, str), info.value.code
    return info.value.code


def write_mp4(path, num_frames, size=(48, 40)):
    rng = np.random.default_rng(0)
    width, height = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (width, height))
    assert writer.isOpened()
    for _ in range(num_frames):
        writer.write(rng.integers(0, 255, (height, width, 3), np.uint8))
    writer.release()
    return path


def check_report(stdout, top_k, num_frames):
    probability = float(PROBABILITY.search(stdout).group(1))
    assert 0 <= probability <= 1
    rows = KEYFRAME.findall(stdout)
    assert [int(rank) for rank, _, _ in rows] == list(range(1, top_k + 1))
    weights = [float(w) for _, _, w in rows]
    assert weights == sorted(weights, reverse=True)
    assert all(0 <= int(i) < num_frames for _, i, _ in rows)


def test_infer_on_mp4(tiny_kga, tmp_path):
    video = write_mp4(tmp_path / 'case 1.mp4', 10)
    result = run_infer(tiny_kga, video, '--top-k', 3, '--max-frames', 6)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'frames: 6 sampled of 10' in result.stdout
    check_report(result.stdout, top_k=3, num_frames=10)


def test_infer_on_frame_folder_saves_strip(tiny_kga, tmp_path):
    folder = tmp_path / 'frames'
    folder.mkdir()
    rng = np.random.default_rng(1)
    for i in range(1, 8):
        Image.fromarray(rng.integers(0, 255, (36, 44), np.uint8)).save(
            folder / f'img{i}.jpg')
    strip = tmp_path / 'strip.png'
    result = run_infer(tiny_kga, folder, '--save-strip', strip)
    assert result.returncode == 0, result.stderr[-3000:]
    check_report(result.stdout, top_k=5, num_frames=7)
    assert re.search(r'weight \S+\s+img\d\.jpg', result.stdout)
    with open(strip, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    assert osp.getsize(strip) > 5000


def test_infer_on_corrupt_file_fails_naming_it(tiny_kga, tmp_path, capsys):
    corrupt = tmp_path / 'corrupt.mp4'
    corrupt.write_bytes(np.random.default_rng(0).bytes(20000))
    assert str(corrupt) in exit_message(tiny_kga, tiny_kga.checkpoint,
                                        corrupt)
    assert not PROBABILITY.search(capsys.readouterr().out)


def test_infer_refuses_to_diagnose_from_nan_scores(tiny_kga, nan_checkpoint,
                                                  tmp_path, capsys):
    video = write_mp4(tmp_path / 'case.mp4', 6)
    message = exit_message(tiny_kga, nan_checkpoint, video)
    assert f'{video}: the model gave non-finite scores' in message
    stdout = capsys.readouterr().out
    assert not PROBABILITY.search(stdout)
    assert 'prediction:' not in stdout


@pytest.mark.parametrize('kind', ['empty_video', 'empty_folder', 'missing'])
def test_infer_on_empty_input_fails_naming_it(tiny_kga, tmp_path, kind):
    if kind == 'empty_video':
        path = write_mp4(tmp_path / 'empty.avi', 0)
    elif kind == 'empty_folder':
        path = tmp_path / 'no_frames'
        path.mkdir()
    else:
        path = tmp_path / 'missing.mp4'
    assert str(path) in exit_message(tiny_kga, tiny_kga.checkpoint, path)


def run_main(tiny_kga, *args):
    """``main`` in this process; returns normally on success."""
    load_infer().main([tiny_kga.config, tiny_kga.checkpoint,
                       *map(str, args), '--device', 'cpu'])


def test_infer_refuses_a_blank_video(tiny_kga, tmp_path, capsys):
    """An all-black video used to get "benign 0.83"."""
    path = tmp_path / 'black.mp4'
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (48, 40))
    for _ in range(8):
        writer.write(np.zeros((40, 48, 3), np.uint8))
    writer.release()
    message = exit_message(tiny_kga, tiny_kga.checkpoint, path)
    assert f'blank_video: {path}' in message
    assert not PROBABILITY.search(capsys.readouterr().out)


@pytest.mark.parametrize('value', [0, -3])
def test_max_frames_below_1_is_an_error(tiny_kga, tmp_path, capsys, value):
    """--max-frames 0 used to mean the default, 128."""
    video = write_mp4(tmp_path / 'case.mp4', 4)
    with pytest.raises(SystemExit) as info:
        run_main(tiny_kga, video, '--max-frames', value)
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert f'argument --max-frames: must be >= 1, got {value}' in err
    assert not PROBABILITY.search(out)


@pytest.mark.parametrize('target, reason', [
    ('.', 'is a folder'),
    ('strip.gif', 'the suffix names the figure format'),
    ('missing/strip.png', 'does not exist'),
])
def test_save_strip_is_checked_before_inference(tiny_kga, tmp_path, capsys,
                                                target, reason):
    """A folder used to crash with a traceback after the diagnosis."""
    video = write_mp4(tmp_path / 'case.mp4', 4)
    with pytest.raises(SystemExit) as info:
        run_main(tiny_kga, video, '--save-strip', tmp_path / target)
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert '--save-strip' in err and reason in err
    assert not PROBABILITY.search(out)


def test_save_strip_suffix_picks_the_format(tiny_kga, tmp_path, capsys):
    """s.jpg used to hold PNG data."""
    video = write_mp4(tmp_path / 'case.mp4', 4)
    out_dir = tmp_path / 'out'
    out_dir.mkdir()
    run_main(tiny_kga, video, '--save-strip', out_dir / 's.jpg')
    assert PROBABILITY.search(capsys.readouterr().out)
    assert (out_dir / 's.jpg').read_bytes()[:3] == b'\xff\xd8\xff'  # JPEG
    assert sorted(p.name for p in out_dir.iterdir()) == ['s.jpg']


def test_infer_refuses_frames_far_smaller_than_the_model_input(
        tiny_kga, tmp_path, capsys):
    """8x8 frames used to get "benign 1.0000"."""
    folder = tmp_path / 'tiny'
    folder.mkdir()
    rng = np.random.default_rng(2)
    for i in range(6):
        Image.fromarray(rng.integers(0, 255, (8, 8), np.uint8)).save(
            folder / f'{i:03d}.png')
    message = exit_message(tiny_kga, tiny_kga.checkpoint, folder)
    assert f'small_frames: {folder} (frames are 8x8' in message
    assert not PROBABILITY.search(capsys.readouterr().out)
