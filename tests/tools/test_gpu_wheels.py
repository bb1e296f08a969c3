"""tools/gpu_wheels.py without the network: the plan of what to carry, on
fake metadata and on the installed pinned set, and the folder's upkeep
(reruns, failures, the size limit) with a fake pip."""
import importlib.metadata
import os
import os.path as osp
import zipfile

import pytest
from packaging.requirements import Requirement

from builders import load_script
from runner_options import ROOT

TOOL = osp.join(ROOT, 'tools', 'gpu_wheels.py')


@pytest.fixture(scope='module')
def tool():
    return load_script(TOOL, 'kga_gpu_wheels')


def fake_requires(metadata, calls=None):
    """A ``requires`` callback that reads {name: [Requires-Dist]}."""

    def requires(layer):
        if calls is not None:
            calls.append(dict(layer))
        return {name: metadata[name] for name in layer}

    return requires


ROOTS = ('kga-mmaction', 'mmengine', 'mmaction2', 'mmpretrain', 'mmcv-lite')


def test_plan_follows_requires_dist_down_to_the_image(tool):
    metadata = {
        'kga-mmaction': ['torch>=2.0', 'mmengine>=0.10', 'setuptools<81',
                         'opencv-python', 'mmcv>=2.0; extra == "mim"'],
        'mmengine': ['addict', 'numpy', 'yapf', 'opencv-python>=3',
                     'regex; sys_platform == "win32"',
                     'pytest; extra == "tests"'],
        'mmaction2': ['decord>=0.4.1', 'opencv-contrib-python', 'einops',
                      'torch>=1.3'],
        'mmpretrain': ['modelindex', 'mmengine<1.0'],
        'mmcv-lite': ['mmengine>=0.3.0', 'addict'],
        'addict': [],
        'yapf': ['platformdirs>=3.5.1', 'tomli>=2.0.1; python_version<"3.11"'],
        'platformdirs': [],
        'setuptools': [],
        'modelindex': ['model-index'],
        'model-index': ['modelindex'],  # a cycle
    }
    pins = {name: '1.0' for name in metadata}
    pins.update({'mmengine': '0.10.7', 'platformdirs': '4.0', 'regex': '1',
                 'tomli': '2.1', 'decord': '0.6.0', 'torch': '2.14.1'})
    image = {'torch': '2.11.0', 'numpy': None, 'einops': None,
             'opencv-python-headless': None, 'setuptools': None}
    calls = []
    plan = tool.plan_wheels(ROOTS, pins, image,
                            fake_requires(metadata, calls))
    assert set(plan) == {
        *ROOTS, 'addict', 'yapf', 'platformdirs', 'modelindex',
        'model-index',
        # the image's version is unknown and the pin says < 81
        'setuptools'
    }
    assert plan['mmengine'] == '0.10.7'
    # torch, numpy, einops, cv2 from the image; decord left behind; the
    # markers and extras of another platform, Python or extra dropped
    # the layers: the roots, then their new requirements; none twice
    assert calls[0] == {name: pins[name] for name in ROOTS}
    asked = [name for layer in calls for name in layer]
    assert sorted(asked) == sorted(plan)


def test_an_image_version_that_misses_the_bound_is_carried(tool):
    metadata = {name: [] for name in ROOTS}
    metadata['kga-mmaction'] = ['torch>=2.12', 'numpy<2']
    metadata.update(torch=[], numpy=[])
    pins = {name: '1.0' for name in metadata}
    pins.update(torch='2.14.1', numpy='1.26.4')
    plan = tool.plan_wheels(ROOTS, pins, {'torch': '2.11.0', 'numpy': '2.5'},
                            fake_requires(metadata))
    assert {'torch', 'numpy'} <= set(plan)


def test_a_needed_distribution_must_be_pinned_and_meet_the_bound(tool):
    metadata = {name: [] for name in ROOTS}
    metadata['mmengine'] = ['termcolor>=3']
    pins = {name: '1.0' for name in ROOTS}
    with pytest.raises(ValueError, match='termcolor .*not pinned'):
        tool.plan_wheels(ROOTS, pins, {}, fake_requires(metadata))
    with pytest.raises(ValueError, match='termcolor==2.0'):
        tool.plan_wheels(ROOTS, {**pins, 'termcolor': '2.0'}, {},
                         fake_requires(metadata))


def installed_requires(name):
    """Requires-Dist of an installed distribution; kga_mmaction's from
    this tree's requirements/runtime.txt (what its wheel declares)."""
    if name == 'kga-mmaction':
        path = osp.join(ROOT, 'requirements', 'runtime.txt')
        with open(path) as f:
            lines = (line.split('#')[0].strip() for line in f)
            return [line for line in lines if line]
    return importlib.metadata.requires(name) or []


def test_the_pinned_set_carries_what_the_image_lacks(tool):
    """On the installed pinned set (the same metadata as the pinned
    wheels): every Requires-Dist of every carried wheel, for CPython 3.12
    on Linux without extras, is carried too, in the image, or left behind
    with a reason."""
    pins = tool.read_versions(osp.join(ROOT, 'requirements', 'pinned.txt'))
    pins['kga-mmaction'] = '0.1.0'
    image = tool.read_versions(
        osp.join(ROOT, 'requirements', 'gpu_image.txt'))
    for name in pins:
        if name != 'kga-mmaction':
            try:
                installed = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                continue
            assert installed == pins[name], name  # the metadata is the pin's

    plan = tool.plan_wheels(
        tool.ROOTS, pins, image,
        lambda layer: {name: installed_requires(name) for name in layer})
    assert set(plan) == {
        'kga-mmaction', 'mmengine', 'mmaction2', 'mmpretrain', 'mmcv-lite',
        'addict', 'termcolor', 'yapf', 'platformdirs', 'mat4py',
        'modelindex', 'model-index', 'ordered-set', 'importlib-metadata',
        'lazy-importer', 'zipp', 'setuptools'
    }
    assert all(plan[name] == pins[name] for name in plan)
    assert not set(plan) & {'torch', 'torchvision', 'numpy', 'rich'}
    for parent in plan:
        for line in installed_requires(parent):
            requirement = Requirement(line)
            if requirement.marker and not requirement.marker.evaluate(
                    tool.MARKER_ENV):
                continue
            name = tool.normalise(requirement.name)
            covered = (name in plan or name in tool.LEFT_BEHIND
                       or tool.image_satisfies(requirement, image))
            assert covered, f'{parent} needs {line}'
    assert tool.SUBSTITUTES['opencv-python'] in image


def write_wheel(folder, name, version, requires=(), size=0):
    """A wheel file with a METADATA; ``size`` bytes of padding."""
    stem = f'{name.replace("-", "_")}-{version}'
    path = osp.join(folder, f'{stem}-py3-none-any.whl')
    metadata = f'Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n'
    metadata += ''.join(f'Requires-Dist: {line}\n' for line in requires)
    with zipfile.ZipFile(path, 'w') as wheel:
        wheel.writestr(f'{stem}.dist-info/METADATA', metadata)
        wheel.writestr('padding', b'\0' * size)
    return path


class FakePip:
    """Downloads and builds of fake wheels, with a record of each."""

    requires = {'mmengine': ['addict'], 'mmcv-lite': ['addict']}

    def __init__(self, fail_after=None):
        self.downloaded = []
        self.builds = 0
        self.fail_after = fail_after

    def download(self, requirements, dest):
        for line in requirements:
            name, version = line.split('==')
            write_wheel(dest, name, version, self.requires.get(name, ()),
                        size=1000)
            self.downloaded.append(line)
            if len(self.downloaded) == self.fail_after:
                raise OSError('the network went away')

    def build(self, dest):
        self.builds += 1
        return write_wheel(dest, 'kga_mmaction', '0.1.0', ['mmengine'])


PINS = {'mmengine': '0.10.7', 'mmaction2': '1.2.0', 'mmpretrain': '1.2.0',
        'mmcv-lite': '2.1.0', 'addict': '2.4.0'}


def make(tool, out, pip, **kwargs):
    return tool.make_wheel_folder(str(out), PINS, {}, download=pip.download,
                                  build=pip.build, **kwargs)


def listing(folder):
    return sorted(os.listdir(folder))


def test_a_rerun_downloads_nothing_and_keeps_one_version(tool, tmp_path):
    out = tmp_path / 'whl'
    out.mkdir()
    old = write_wheel(out, 'addict', '2.3.0')
    unrelated = write_wheel(out, 'something-else', '1.0')
    pip = FakePip()
    wheels, total = make(tool, out, pip)
    assert sorted(pip.downloaded) == sorted(
        f'{name}=={version}' for name, version in PINS.items())
    assert set(wheels) == {'kga-mmaction', *PINS}
    assert not osp.exists(old)  # two versions would stop the install
    assert osp.exists(unrelated)
    assert total == sum(osp.getsize(out / name) for name in listing(out))
    first = listing(out)

    again = FakePip()
    make(tool, out, again)
    assert again.downloaded == [] and again.builds == 1
    assert listing(out) == first


def test_a_failed_download_leaves_the_folder_as_it_was(tool, tmp_path):
    out = tmp_path / 'whl'
    out.mkdir()
    kept = write_wheel(out, 'addict', '2.4.0')
    before = listing(out)
    with pytest.raises(OSError, match='network'):
        make(tool, out, FakePip(fail_after=2))
    assert listing(out) == before  # no partial folder, no new wheel
    assert osp.exists(kept)


def test_a_folder_reaching_the_limit_is_refused(tool, tmp_path):
    _, wheels_size = make(tool, tmp_path / 'measure', FakePip())
    limit = tool.LIMIT_MIB * 2**20
    for filler_size, refused in ((limit - wheels_size, True),
                                 (limit - wheels_size - 1, False)):
        out = tmp_path / f'whl-{filler_size}'
        out.mkdir()
        with open(out / 'filler.bin', 'wb') as f:
            f.truncate(filler_size)  # sparse: no disk used
        if refused:
            with pytest.raises(tool.FolderTooLarge, match='not under 64'):
                make(tool, out, FakePip())
            assert listing(out) == ['filler.bin']
        else:
            _, total = make(tool, out, FakePip())
            assert total == limit - 1


def test_main_prints_the_install_line(tool, tmp_path, monkeypatch, capsys):
    pip = FakePip()
    monkeypatch.setattr(tool, 'pip_download', pip.download)
    monkeypatch.setattr(tool, 'build_own_wheel', pip.build)
    tool.main(['--out', str(tmp_path / 'whl')])
    printed = capsys.readouterr().out
    assert 'left behind: decord' in printed
    assert ('--no-index --no-deps --no-compile --no-cache-dir --upgrade '
            '--target /tmp/site ') in printed
    assert printed.rstrip().endswith('*.whl && export PYTHONPATH=/tmp/site')
