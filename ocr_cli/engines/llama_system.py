"""What the llama.cpp build and this machine offer: backend, GPU offload, physical cores."""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import subprocess
from pathlib import Path

# Threads and OpenMP (measured with benchmarks/llama_threads.py, embedded model, 2 cores): libgomp's
# default wait policy spins idle workers between tokens. On a quiet machine that is the fastest
# (2 threads 69 tok/s vs 1 thread 43; OMP_WAIT_POLICY=PASSIVE: 49 vs 44), but on an oversubscribed
# one it collapses (load average 8: 2 threads 1.1 tok/s vs 1 thread 9.5; PASSIVE: 11.5 vs 12.1).
# ocr keeps libgomp's default; on a busy machine set OMP_WAIT_POLICY=PASSIVE or --threads 1.

_GPU_BACKENDS = ("CUDA", "Metal", "Vulkan", "ROCm", "HIP", "SYCL", "OpenCL", "CANN", "MUSA", "Kompute")


def physical_cores() -> int:
    """The number of physical CPU cores this process may use (logical CPUs when unknown)."""
    logical = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    cores = _linux_physical_cores() if platform.system() == "Linux" else _sysctl_physical_cores()
    return max(1, min(cores or logical, logical))


def _linux_physical_cores() -> int | None:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    cores: set[tuple[str, str]] = set()
    physical = core = ""
    for line in [*text.splitlines(), ""]:
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "physical id":
            physical = value
        elif key == "core id":
            core = value
        elif not line.strip():
            if core:
                cores.add((physical, core))
            physical = core = ""
    return len(cores) or None


def _sysctl_physical_cores() -> int | None:
    with contextlib.suppress(OSError, ValueError, subprocess.SubprocessError):
        out = subprocess.run(["sysctl", "-n", "hw.physicalcpu"], capture_output=True, text=True,
                             timeout=5, check=False)
        return int(out.stdout.strip())
    return None


def gpu_offload_supported() -> bool:
    """Whether this llama.cpp build can offload layers to a GPU."""
    import llama_cpp

    return bool(llama_cpp.llama_supports_gpu_offload())


def _registered_backends() -> list[str]:
    """Names in ggml's backend registry ("CPU", "CUDA", ...); [] when it cannot be read."""
    import llama_cpp

    lib_dir = Path(llama_cpp.__file__).parent / "lib"
    candidates = sorted(lib_dir.glob("libggml.*")) + sorted(lib_dir.glob("ggml.dll"))
    names: list[str] = []
    for candidate in candidates:
        try:
            ggml = ctypes.CDLL(str(candidate))
            ggml.ggml_backend_reg_count.restype = ctypes.c_size_t
            ggml.ggml_backend_reg_get.restype = ctypes.c_void_p
            ggml.ggml_backend_reg_get.argtypes = [ctypes.c_size_t]
            ggml.ggml_backend_reg_name.restype = ctypes.c_char_p
            ggml.ggml_backend_reg_name.argtypes = [ctypes.c_void_p]
            for index in range(ggml.ggml_backend_reg_count()):
                name = ggml.ggml_backend_reg_name(ggml.ggml_backend_reg_get(index))
                if name:
                    names.append(name.decode("utf-8", errors="replace"))
            return names
        except (OSError, AttributeError):
            continue
    return names


def backend_name() -> str:
    """The accelerator llama.cpp runs on: "CUDA", "Metal", "Vulkan", ... or "CPU"."""
    import llama_cpp

    names = _registered_backends()
    gpu = [n for n in names if n.upper() != "CPU" and n.upper() != "BLAS" and n.upper() != "RPC"]
    if gpu:
        return ", ".join(gpu)
    info = llama_cpp.llama_print_system_info().decode("utf-8", errors="replace")
    for name in _GPU_BACKENDS:
        if f"{name.upper()} :" in info.upper() or f"{name.upper()} =" in info.upper():
            return name
    return "CPU"


def system_info() -> str:
    """llama.cpp's one-line description of the CPU features it was built for."""
    import llama_cpp

    return llama_cpp.llama_print_system_info().decode("utf-8", errors="replace").strip()
