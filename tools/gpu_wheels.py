"""Download the wheels a CUDA machine without a package registry lacks.

``python tools/gpu_wheels.py [--out .whl] [--limit-mib 64]``
(``make gpu-wheels``)

The lent CUDA machine runs Python 3.12 on x86-64 with torch, torchvision,
OpenCV, NumPy, SciPy, scikit-learn, matplotlib and the rest of
``requirements/gpu_image.txt``, but no OpenMMLab package, and it reaches no
package registry. This tool puts into ``--out`` (ignored by git) the wheels
it needs to run this project: mmengine, mmaction2, mmpretrain, mmcv-lite,
kga_mmaction itself (built from this tree on every run, so that it carries
the code as it is now) and every dependency of theirs, down the
``Requires-Dist`` of each wheel, that the image does not satisfy. Versions
come from ``requirements/pinned.txt``, one of each. It then prints the line
that installs them there.

A dependency counts as satisfied when the image lists it (or, for
``opencv-python`` and ``opencv-contrib-python``, the ``cv2`` of
``opencv-python-headless``) and either the requirement names no version or
the image's known version meets it; a listed package of unknown version
under a version bound is carried (``setuptools<81``: mmengine resolves
``mmaction::`` config paths with ``pkg_resources``). ``decord`` is left
behind (``LEFT_BEHIND``).

Re-running downloads only the wheels that are missing; other versions of a
planned distribution are removed, so that ``--out/*.whl`` installs one of
each. Downloads go to a temporary folder inside ``--out`` and are moved in
only when every one arrived and the folder stays under ``--limit-mib``, so a
failure leaves the folder as it was.
"""
import argparse
import email.parser
import glob
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: The distributions this project needs there; the tree is followed from
#: their Requires-Dist.
ROOTS = ('kga-mmaction', 'mmengine', 'mmaction2', 'mmpretrain', 'mmcv-lite')
#: The CUDA machine's interpreter and platform tags (pip matches
#: manylinux_2_N exactly, so several are named).
PYTHON_VERSION = '3.12'
PLATFORMS = ('manylinux_2_28_x86_64', 'manylinux_2_27_x86_64',
             'manylinux_2_17_x86_64', 'manylinux2014_x86_64',
             'manylinux1_x86_64', 'any')
#: Markers of Requires-Dist lines are evaluated for that machine.
MARKER_ENV = {
    'python_version': PYTHON_VERSION,
    'python_full_version': PYTHON_VERSION + '.0',
    'implementation_name': 'cpython',
    'platform_python_implementation': 'CPython',
    'sys_platform': 'linux',
    'os_name': 'posix',
    'platform_system': 'Linux',
    'platform_machine': 'x86_64',
    'extra': '',
}
#: Distributions whose module another distribution in the image provides.
SUBSTITUTES = {
    'opencv-python': 'opencv-python-headless',
    'opencv-contrib-python': 'opencv-python-headless',
}
#: Requirements not carried, and why.
LEFT_BEHIND = {
    'decord': 'compiled video decoder; only video-file datasets use it '
    '(configs/tsn_attention), every other config reads frames',
}
#: The working tree and the carried folders travel within 64 MiB together.
LIMIT_MIB = 64
INSTALL_LINE = ('python3 -m pip install -q --no-index --no-deps --no-compile '
                '--no-cache-dir --upgrade --target /tmp/site {out}/*.whl '
                '&& export PYTHONPATH=/tmp/site')
WHEEL_NAME = re.compile(r'^(?P<name>[^-]+)-(?P<version>[^-]+)-.+\.whl$')


class FolderTooLarge(ValueError):
    """The wheel folder would reach the size limit."""


def normalise(name: str) -> str:
    """PEP 503 name: ``Importlib_Metadata`` -> ``importlib-metadata``."""
    return re.sub(r'[-_.]+', '-', name).lower()


def read_versions(path: str) -> Dict[str, Optional[str]]:
    """``name[==version]`` lines (comments dropped) -> {name: version or
    None}."""
    versions = {}
    with open(path) as f:
        for line in f:
            line = line.split('#')[0].strip()
            if line:
                name, _, version = line.partition('==')
                versions[normalise(name)] = version.strip() or None
    return versions


def wheel_name_version(path: str) -> Tuple[str, str]:
    """(normalised name, version) of a wheel file's name."""
    match = WHEEL_NAME.match(osp.basename(path))
    if match is None:
        raise ValueError(f'not a wheel file name: {path}')
    return normalise(match['name']), match['version']


def wheel_requires(path: str) -> List[str]:
    """The ``Requires-Dist`` lines of a wheel's METADATA."""
    with zipfile.ZipFile(path) as wheel:
        [metadata] = [name for name in wheel.namelist()
                      if re.fullmatch(r'[^/]+\.dist-info/METADATA', name)]
        text = wheel.read(metadata).decode()
    return email.parser.Parser().parsestr(text).get_all('Requires-Dist') or []


def image_satisfies(requirement: Requirement,
                    image: Dict[str, Optional[str]]) -> bool:
    """Whether the image's packages meet ``requirement`` (see the module
    docstring)."""
    name = normalise(requirement.name)
    if name not in image and SUBSTITUTES.get(name) in image:
        return True  # the same module from another distribution
    if name not in image:
        return False
    if not requirement.specifier:
        return True
    version = image[name]
    return version is not None and requirement.specifier.contains(
        Version(version), prereleases=True)


def plan_wheels(roots: Iterable[str], pins: Dict[str, str],
                image: Dict[str, Optional[str]],
                requires: Callable[[Dict[str, str]], Dict[str, List[str]]]
                ) -> Dict[str, str]:
    """The distributions to carry, {name: pinned version}.

    From ``roots``, follows each distribution's Requires-Dist (extras and
    markers evaluated for the CUDA machine) and adds every requirement that
    the image does not satisfy and that is not in ``LEFT_BEHIND``.

    Args:
        roots: Distributions carried whatever the image holds.
        pins: {normalised name: version}, the one version of each.
        image: {normalised name: version or None} of the image.
        requires: Given {name: version} of one breadth-first layer, returns
            {name: Requires-Dist lines} of each (downloading them if need
            be).

    Raises:
        ValueError: a needed distribution has no pin, or the pin does not
            meet a requirement on it.
    """
    plan: Dict[str, str] = {}
    layer = {}
    for name in map(normalise, roots):
        if name not in pins:
            raise ValueError(f'{name} is not pinned')
        layer[name] = pins[name]
    while layer:
        plan.update(layer)
        found = requires(layer)
        layer = {}
        for parent in found:
            for line in found[parent]:
                requirement = Requirement(line)
                name = normalise(requirement.name)
                if requirement.marker is not None and \
                        not requirement.marker.evaluate(MARKER_ENV):
                    continue
                if name in LEFT_BEHIND or image_satisfies(requirement, image):
                    continue
                if name not in pins:
                    raise ValueError(
                        f'{name} (required by {parent}) is not pinned')
                if not requirement.specifier.contains(
                        Version(pins[name]), prereleases=True):
                    raise ValueError(f'{parent} requires {requirement}, '
                                     f'pinned: {name}=={pins[name]}')
                if name not in plan:
                    layer[name] = pins[name]
    return plan


def pip_download(requirements: List[str], dest: str) -> None:
    """Download ``name==version`` wheels for the CUDA machine into
    ``dest``, without their dependencies."""
    command = [
        sys.executable, '-m', 'pip', 'download', '--quiet', '--no-deps',
        '--only-binary=:all:', '--python-version', PYTHON_VERSION,
        '--implementation', 'cp', '--dest', dest
    ]
    for platform in PLATFORMS:
        command += ['--platform', platform]
    subprocess.run(command + requirements, check=True)


def build_own_wheel(dest: str) -> str:
    """Build kga_mmaction's wheel from a copy of this tree into ``dest``
    (a copy: setup.py writes ``kga_mmaction/.mim`` and ``build/``); returns
    its path."""
    with tempfile.TemporaryDirectory() as tmp:
        source = osp.join(tmp, 'src')
        ignore = shutil.ignore_patterns('.mim', '__pycache__', '*.pyc')
        for name in ('kga_mmaction', 'configs', 'tools', 'requirements'):
            shutil.copytree(osp.join(ROOT, name), osp.join(source, name),
                            ignore=ignore)
        for name in ('setup.py', 'README.md'):
            shutil.copy(osp.join(ROOT, name), osp.join(source, name))
        built = osp.join(tmp, 'dist')
        subprocess.run([
            sys.executable, '-m', 'pip', 'wheel', '--quiet', '--no-deps',
            '--no-build-isolation', '--wheel-dir', built, source
        ], check=True)
        [wheel] = glob.glob(osp.join(built, '*.whl'))
        return shutil.move(wheel, dest)


Downloader = Callable[[List[str], str], None]


def make_wheel_folder(out: str, pins: Dict[str, str],
                      image: Dict[str, Optional[str]],
                      download: Downloader = pip_download,
                      build: Callable[[str], str] = build_own_wheel,
                      limit_mib: float = LIMIT_MIB
                      ) -> Tuple[Dict[str, str], int]:
    """Fill ``out`` with the planned wheels; returns ({name: wheel path},
    the folder's size in bytes).

    Args:
        out: The wheel folder; created if missing.
        pins: {normalised name: version} (``requirements/pinned.txt``).
        image: {normalised name: version or None} of the image.
        download: Puts the wheels of ``name==version`` lines into a folder.
        build: Builds kga_mmaction's wheel into a folder, returns its path.
        limit_mib: The folder must stay under this many MiB.

    Raises:
        FolderTooLarge: the folder would reach ``limit_mib`` (it is left as
            it was).
    """
    os.makedirs(out, exist_ok=True)
    for stale in glob.glob(osp.join(out, '.partial-*')):
        shutil.rmtree(stale)  # left by a killed run
    present = {wheel_name_version(path): path
               for path in glob.glob(osp.join(out, '*.whl'))}
    with tempfile.TemporaryDirectory(prefix='.partial-', dir=out) as staging:
        own = build(staging)  # always anew: the tree may have changed
        own_name, own_version = wheel_name_version(own)
        pins = {**pins, own_name: own_version}
        wheels = {own_name: own}

        def requires(layer: Dict[str, str]) -> Dict[str, List[str]]:
            for name, version in layer.items():
                if name not in wheels and (name, version) in present:
                    wheels[name] = present[name, version]
            missing = [f'{name}=={version}'
                       for name, version in layer.items()
                       if name not in wheels]
            if missing:
                download(missing, staging)
                for path in glob.glob(osp.join(staging, '*.whl')):
                    name, version = wheel_name_version(path)
                    if layer.get(name) == version:
                        wheels.setdefault(name, path)
            for name, version in layer.items():
                if name not in wheels:
                    raise FileNotFoundError(
                        f'no wheel for {name}=={version} in {staging}')
            return {name: wheel_requires(wheels[name]) for name in layer}

        plan = plan_wheels(ROOTS, pins, image, requires)
        # one version of each: the others would stop the install there
        others = [path for (name, version), path in present.items()
                  if name in plan and version != plan[name]]
        sizes = {osp.basename(path): osp.getsize(path)
                 for path in glob.glob(osp.join(out, '*'))
                 if osp.isfile(path) and path not in others}
        sizes.update({osp.basename(path): osp.getsize(path)
                      for path in wheels.values()})
        total = sum(sizes.values())
        if total >= limit_mib * 2**20:
            raise FolderTooLarge(
                f'{out} would hold {total / 2**20:.1f} MiB, not under '
                f'{limit_mib} MiB: {sorted(sizes)}')
        for path in others:
            os.remove(path)
        for name, path in wheels.items():
            target = osp.join(out, osp.basename(path))
            if path != target:
                os.replace(path, target)
            wheels[name] = target
    return wheels, total


def working_tree_size() -> Optional[int]:
    """Bytes of the files git tracks or would track here (what travels
    to the CUDA machine besides the carried folders); None without git."""
    try:
        listed = subprocess.run(
            ['git', 'ls-files', '-z', '--cached', '--others',
             '--exclude-standard'], cwd=ROOT, capture_output=True,
            check=True).stdout.decode().split('\0')
    except (OSError, subprocess.CalledProcessError):
        return None
    return sum(osp.getsize(osp.join(ROOT, path)) for path in listed
               if path and osp.isfile(osp.join(ROOT, path)))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Download the wheels the CUDA machine lacks')
    parser.add_argument('--out', default=osp.join(ROOT, '.whl'),
                        help='folder of the wheels (default: .whl)')
    parser.add_argument('--limit-mib', type=float, default=LIMIT_MIB,
                        help='fail when the folder reaches this size')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    pins = read_versions(osp.join(ROOT, 'requirements', 'pinned.txt'))
    image = read_versions(osp.join(ROOT, 'requirements', 'gpu_image.txt'))
    wheels, total = make_wheel_folder(
        args.out, pins, image, download=pip_download, build=build_own_wheel,
        limit_mib=args.limit_mib)
    for name in sorted(wheels):
        path = wheels[name]
        print(f'{osp.getsize(path) / 2**20:7.2f} MiB  {osp.basename(path)}')
    for name, reason in LEFT_BEHIND.items():
        print(f'left behind: {name} ({reason})')
    print(f'{args.out}: {total / 2**20:.1f} MiB (limit {args.limit_mib:g} '
          'MiB)')
    tree = working_tree_size()
    if tree is not None:
        print(f'with the working tree that travels beside it: '
              f'{(total + tree) / 2**20:.1f} MiB')
    out = osp.relpath(args.out, ROOT)
    print('Install there, from the repository root, with this folder '
          'carried:')
    print('  ' + INSTALL_LINE.format(out=out))


if __name__ == '__main__':
    main()
