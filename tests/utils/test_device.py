"""utils.device.cpu_flags: the instruction-set families read off
torch's CPU capabilities, on the kinds of machine this project runs on."""
import pytest

from kga_mmaction.utils import device

AMD_GENOA = dict(avx2=True, avx512_f=True, avx512_bf16=True,
                 avx512_vnni=True, avx_vnni=True, amx_tile=False)
INTEL_SKYLAKE = dict(avx2=True, avx512_f=True, avx512_bf16=False,
                     avx512_vnni=False, amx_bf16=False)
AMD_AVX2 = dict(avx2=True, avx512_f=False)
INTEL_SAPPHIRE = dict(avx2=True, avx512_f=True, avx512_bf16=True,
                      avx512_vnni=True, amx_tile=True, amx_int8=True,
                      amx_bf16=True)


@pytest.mark.parametrize('caps, flags', [
    (AMD_GENOA, dict(avx2=True, avx512=True, bf16=True, vnni=True,
                     amx=False)),
    (INTEL_SKYLAKE, dict(avx2=True, avx512=True, bf16=False, vnni=False,
                         amx=False)),
    (AMD_AVX2, dict(avx2=True, avx512=False, bf16=False, vnni=False,
                    amx=False)),
    (INTEL_SAPPHIRE, dict(avx2=True, avx512=True, bf16=True, vnni=True,
                          amx=True)),
])
def test_cpu_flags_name_each_family(monkeypatch, caps, flags):
    monkeypatch.setattr(device, '_cpu_capabilities', lambda: dict(caps))
    assert device.cpu_flags() == flags
    assert device.cpu_supports_bf16() == (
        flags['bf16'] and device.torch.backends.mkldnn.is_available())


def test_cpu_flags_on_this_machine_agree_with_native_bf16():
    flags = device.cpu_flags()
    assert set(flags) == set(device.CPU_FLAG_KEYS)
    assert all(isinstance(v, bool) for v in flags.values())
    if flags['avx512'] or flags['amx']:  # every AVX-512 x86 has AVX2
        assert flags['avx2']
