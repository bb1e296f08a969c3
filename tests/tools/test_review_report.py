"""``tools/analysis/review_report.py``: the static case-review page, read
back as HTML and opened in a real headless Chromium (Debian's ``chromium``
and ``chromium-driver``, driven by Selenium; ``.ci/run`` installs them).

The predictions are synthesised (8 videos with known probabilities and
labels, two of them misclassified at 0.5) over frame folders written to
disk, so that the thumbnails can be read; no model is run.
"""
import importlib.util
import json
import os.path as osp
import re
import shutil

import numpy as np
import pytest
from PIL import Image

from kga_mmaction.evaluation import VideoPrediction

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'demo', 'kga-net-wo-coherence_r18-half-'
                  'synbusi-pre_1xb8-1x1x8-600it_synthetic.py')
LABELS = [0, 1, 0, 1, 0, 1, 0, 1]  # benign, malignant
PROBABILITIES = [0.2, 0.9, 0.7, 0.3, 0.1, 0.8, 0.45, 0.55]
#: Misclassified at threshold 0.5: a benign video at 0.7, a malignant at 0.3.
WRONG = {'video_2', 'video_3'}
FRAMES = 8
INSTALL_HINT = (
    'the review-report browser test needs Chromium, its driver and '
    'Selenium: apt-get install -y chromium chromium-driver && '
    '.venv/bin/python -m pip install -r requirements/tests.txt '
    '(make install and .ci/run do both)')


def load_tool():
    path = osp.join(ROOT, 'tools', 'analysis', 'review_report.py')
    spec = importlib.util.spec_from_file_location('kga_tool_review_report',
                                                  path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def predictions_file(tmp_path_factory):
    """A ``tools/test.py --out-predictions``-style JSON file of 8 videos
    whose frame folders (``000000.png`` ...) exist."""
    root = tmp_path_factory.mktemp('review')
    rng = np.random.default_rng(0)
    records = []
    for i, (label, p) in enumerate(zip(LABELS, PROBABILITIES)):
        frame_dir = root / 'frames' / f'video_{i}'
        frame_dir.mkdir(parents=True)
        for t in range(FRAMES):
            pixels = rng.integers(0, 255, (40, 48, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(frame_dir / f'{t:06d}.png')
        weights = rng.random(FRAMES)
        prediction = VideoPrediction(
            pred_score=np.array([1 - p, p]),
            pred_label=int(p >= 0.5),
            video_id=f'video_{i}',
            gt_label=label,
            pred_logits=np.array([0.0, np.log(p / (1 - p))]),
            frame_inds=np.arange(FRAMES),
            frame_weights=weights / weights.sum(),
            frame_lesion_areas=np.where(np.arange(FRAMES) % 3 == 0, 0.0,
                                        100.0 * (i + 1)),
            frame_dir=str(frame_dir),
            index=i)
        records.append(prediction.to_record(positive_class=1))
    path = root / 'predictions.json'
    path.write_text(json.dumps(records))
    return path


@pytest.fixture(scope='module')
def report(predictions_file, tmp_path_factory):
    """The report's folder."""
    out = tmp_path_factory.mktemp('report') / 'review'
    load_tool().main([CONFIG, str(predictions_file), '--out', str(out),
                      '--bootstrap', '200'])
    return out


def test_report_files_and_table(report):
    html = (report / 'index.html').read_text()
    rows = re.findall(r'<tr class="video( wrong)?" id="row-[^"]+" '
                      r'data-index="(\d+)"', html)
    assert [int(i) for _, i in rows] == list(range(len(LABELS)))
    assert {f'video_{i}' for (wrong, i) in rows if wrong} == WRONG
    # the page says what the probability is and which threshold it used
    assert 'P(malignant)' in html and 'P &ge; 0.5' in html
    assert re.search(r'AUC.*\[0\.\d{3}, [01]\.\d{3}\]', html)
    # plain files beside the page: no network
    assert 'http://' not in html and 'https://' not in html
    for name in ('roc.png', 'reliability.png', 'report.js', 'report.css'):
        assert (report / name).stat().st_size > 0
    assert (report / 'report.js').stat().st_size < 4000
    pages = sorted((report / 'videos').glob('*.html'))
    assert len(pages) == len(LABELS)
    thumbs = sorted((report / 'videos').glob('0002_video_2_top*.jpg'))
    assert len(thumbs) == 3
    assert max(Image.open(thumbs[0]).size) <= 112
    page = (report / 'videos' / '0002_video_2.html').read_text()
    assert 'WRONG' in page and 'lesion area' in page


def test_report_is_not_overwritten_silently(predictions_file, report):
    before = (report / 'index.html').read_text()
    with pytest.raises(FileExistsError):
        load_tool().main([CONFIG, str(predictions_file), '--out',
                          str(report), '--bootstrap', '0',
                          '--threshold', '0.75'])
    assert (report / 'index.html').read_text() == before


def test_threshold_decides_correct(predictions_file, tmp_path):
    out = tmp_path / 'review'
    load_tool().main([CONFIG, str(predictions_file), '--out', str(out),
                      '--bootstrap', '0', '--threshold', '0.75'])
    html = (out / 'index.html').read_text()
    wrong = re.findall(r'<tr class="video wrong"[^>]*data-video="([^"]+)"',
                       html)
    # at 0.75 the malignant videos at 0.3 and 0.55 are missed
    assert set(wrong) == {'video_3', 'video_7'}


def _browser():
    """A headless Chromium driven by Selenium; fails (never skips) with
    how to install what is missing."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as err:
        pytest.fail(f'{err}; {INSTALL_HINT}')
    binary = shutil.which('chromium') or shutil.which('chromium-browser')
    driver = shutil.which('chromedriver')
    if not binary or not driver:
        pytest.fail(f'chromium ({binary}) or chromedriver ({driver}) not '
                    f'on PATH; {INSTALL_HINT}')
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ('--headless=new', '--no-sandbox', '--disable-gpu',
                '--disable-dev-shm-usage', '--window-size=1200,900'):
        options.add_argument(arg)
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    return webdriver.Chrome(service=Service(driver), options=options)


def _console_errors(browser):
    return [entry for entry in browser.get_log('browser')
            if entry['level'] == 'SEVERE']


def _images(browser):
    """``[src, naturalWidth]`` of every image of the page, once loaded."""
    return browser.execute_script(
        'return Array.from(document.images).map('
        'i => [i.src, i.complete ? i.naturalWidth : 0]);')


def _row_order(browser, attribute):
    return browser.execute_script(
        'return Array.from(document.querySelectorAll("#videos tbody tr"))'
        f'.filter(r => !r.hidden).map(r => r.dataset.{attribute});')


def test_report_in_headless_chromium(report):
    browser = _browser()
    try:
        browser.get((report / 'index.html').as_uri())
        assert _console_errors(browser) == []
        # one row per test video
        assert sorted(_row_order(browser, 'video')) == sorted(
            f'video_{i}' for i in range(len(LABELS)))
        images = _images(browser)
        assert len(images) == 2
        assert all(width > 0 for _, width in images), images

        # sorting by probability reorders the rows: highest first, then
        # lowest first
        original = _row_order(browser, 'video')
        browser.find_element('css selector',
                             'button[data-sort="probability"]').click()
        by_probability = [float(p) for p in
                          _row_order(browser, 'probability')]
        assert by_probability == sorted(PROBABILITIES, reverse=True)
        assert _row_order(browser, 'video') != original
        browser.find_element('css selector',
                             'button[data-sort="probability"]').click()
        assert [float(p) for p in _row_order(browser, 'probability')] == \
            sorted(PROBABILITIES)

        # errors only: exactly the misclassified videos
        browser.find_element('id', 'errors-only').click()
        visible = [row.get_attribute('data-video') for row in
                   browser.find_elements('css selector', '#videos tbody tr')
                   if row.is_displayed()]
        assert set(visible) == WRONG and len(visible) == len(WRONG)
        assert browser.find_element('id', 'shown-count').text == '2'
        browser.find_element('id', 'errors-only').click()
        assert len(_row_order(browser, 'video')) == len(LABELS)

        # every video page: its images load, no console errors
        links = [a.get_attribute('href') for a in browser.find_elements(
            'css selector', '#videos tbody a')]
        assert len(links) == len(LABELS)
        for link in links:
            browser.get(link)
            assert _console_errors(browser) == [], link
            images = _images(browser)
            assert len(images) == 4, (link, images)  # curve + top-3
            assert all(width > 0 for _, width in images), images
    finally:
        browser.quit()
